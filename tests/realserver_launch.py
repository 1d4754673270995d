"""Start llama_cpp.server with llama.cpp's extra CPU buffer types turned off.

A wheel built on a machine whose CPU advertises AMX (GGML_NATIVE=ON, and pip's wheel cache
ignores CMAKE_ARGS) compiles llama.cpp's AMX matmul; in a VM that advertises AMX without
letting it run, the first generated token dies with SIGSEGV in `ggml_backend_amx_mul_mat`
(`ldtilecfg`). The AMX kernels are only used through the "extra buffer types" of the CPU
backend, which `llama_model_params.use_extra_bufts` switches off; llama-cpp-python 0.3.36 does
not expose it, so it is set here before the server loads the model. The patch is written for
0.3.36 (the version `.ci/realserver-setup` pins): with any other version, or a params struct
without the field, the server runs unpatched and this says so on stderr.

Same arguments as `python -m llama_cpp.server`; run by the python of the server's venv. With
SITREP_REALSERVER_PARENT=<pid> (Linux) the server is killed when that process dies, even by
SIGKILL, so a test run that is killed leaves no server behind.
"""

import ctypes
import os
import runpy
import signal
import sys

# installed only in the server's venv
import llama_cpp  # type: ignore[import-not-found]
import llama_cpp.llama_cpp as llama_cpp_c  # type: ignore[import-not-found]

WRITTEN_FOR = "0.3.36"
_default_params = llama_cpp_c.llama_model_default_params


def _params_without_extra_bufts() -> object:
    params = _default_params()
    params.use_extra_bufts = False
    return params


def _die_with_parent() -> None:
    parent = os.environ.get("SITREP_REALSERVER_PARENT")
    if not parent or not sys.platform.startswith("linux"):
        return
    pr_set_pdeathsig = 1
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)
    if os.getppid() != int(parent):  # the parent died before prctl took effect
        sys.exit("sitrep realserver: the test run that started this server is gone")


def _turn_off_extra_buffer_types() -> None:
    version = getattr(llama_cpp, "__version__", "?")
    if version != WRITTEN_FOR or not hasattr(_default_params(), "use_extra_bufts"):
        print(
            f"sitrep realserver: llama-cpp-python {version} is not {WRITTEN_FOR}: extra buffer "
            "types stay on (AMX kernels may crash on some virtual machines)",
            file=sys.stderr,
        )
        return
    llama_cpp_c.llama_model_default_params = _params_without_extra_bufts


_die_with_parent()
_turn_off_extra_buffer_types()
runpy.run_module("llama_cpp.server", run_name="__main__", alter_sys=True)
