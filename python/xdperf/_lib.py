"""Loading libxdperf and the ctypes mirrors of its public structs (include/xdperf/*.h).

Every Structure here mirrors the C struct of the same name field by field, in order, with the
same member names; python/tests/test_structs.py compiles a C program against include/ and
checks each one's size and every member's offset. Change both together.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os
from ctypes import (POINTER, Structure, Union, c_bool, c_char, c_char_p, c_double, c_int,
                    c_int32, c_int64, c_size_t, c_uint, c_uint8, c_uint16, c_uint32, c_uint64,
                    c_void_p, c_float)
from typing import Optional

#: The soname's major version this package was written for (VERSION's first number).
SO_MAJOR = 0

_lib: Optional[ctypes.CDLL] = None
_lib_path: Optional[str] = None


def _candidates() -> list:
    env = os.environ.get("XDPERF_LIB")
    if env:
        return [env]
    out = []
    here = os.path.dirname(os.path.abspath(__file__))
    # run from the repository: python/xdperf/ -> build/libxdperf.so
    build = os.path.join(here, os.pardir, os.pardir, "build", "libxdperf.so")
    if os.path.exists(build):
        out.append(os.path.normpath(build))
    try:  # written by `make install`: the installed library, wherever LIBDIR is
        from . import _installed  # type: ignore[attr-defined]
        out.append(os.path.join(_installed.LIBDIR, _installed.SO_NAME))
    except ImportError:
        pass
    found = ctypes.util.find_library("xdperf")
    if found:
        out.append(found)
    out.append("libxdperf.so.%d" % SO_MAJOR)
    return out


def lib() -> ctypes.CDLL:
    """The loaded library (loaded on first use). Raises OSError naming what was tried."""
    global _lib, _lib_path
    if _lib is not None:
        return _lib
    tried = []
    for path in _candidates():
        try:
            handle = ctypes.CDLL(path)
        except OSError as e:
            tried.append("%s (%s)" % (path, e))
            continue
        _declare(handle)
        _lib, _lib_path = handle, path
        return handle
    raise OSError("libxdperf not found; set XDPERF_LIB to its path. Tried: " + "; ".join(tried))


def lib_path() -> str:
    """The path the library was loaded from."""
    lib()
    assert _lib_path is not None
    return _lib_path


# ---- include/xdperf/wasm.h -------------------------------------------------------------------

class _ValOf(Union):
    _fields_ = [("i32", c_int32), ("i64", c_int64), ("f32_bits", c_uint32),
                ("f64_bits", c_uint64), ("f32", c_float), ("f64", c_double),
                ("ref", c_void_p), ("v128", c_uint8 * 16)]


class xwasm_val(Structure):
    _fields_ = [("type", c_uint8), ("of", _ValOf)]


class xwasm_trap(Structure):
    _fields_ = [("kind", c_int), ("exit_code", c_int), ("func_name", c_char * 96),
                ("message", c_char * 256)]


class xwasm_load_opts(Structure):
    _fields_ = [("sz", c_size_t), ("name", c_char_p), ("max_bytes", c_uint64),
                ("interrupt", c_void_p), ("features", c_uint32)]


class xwasm_import_info(Structure):
    _fields_ = [("module", c_char_p), ("name", c_char_p), ("kind", c_int),
                ("nparams", c_uint32), ("nresults", c_uint32),
                ("params", POINTER(c_uint8)), ("results", POINTER(c_uint8)),
                ("valtype", c_uint8), ("mutable_", c_bool), ("min", c_uint64), ("max", c_uint64),
                ("shared", c_bool)]


class xwasm_memory_opts(Structure):
    _fields_ = [("sz", c_size_t), ("shared", c_bool)]


class _xwasm_val_byvalue(Structure):
    """Not a C struct: xwasm_val's twin for passing and returning it by value (xwasm_global_new,
    _get, _set). Same size and alignment, no union: not every ctypes passes a struct holding a
    union by value. python/tests/test_wasm_externs.py checks the size and alignment."""
    _fields_ = [("type", c_uint8), ("bits", c_uint64 * 2)]


class xwasm_instance_opts(Structure):
    _fields_ = [("sz", c_size_t), ("max_memory_pages", c_uint32), ("fuel", c_uint64),
                ("max_call_depth", c_uint32), ("stack_slots", c_uint32), ("user", c_void_p),
                ("interrupt", c_void_p), ("max_bytes", c_uint64), ("max_table_elems", c_uint32)]


# ---- include/xdperf/plugin.h -----------------------------------------------------------------

LOG_FN = ctypes.CFUNCTYPE(None, c_void_p, c_char_p, c_int, ctypes.POINTER(c_char), c_size_t)
METRIC_FN = ctypes.CFUNCTYPE(None, c_void_p, c_char_p, c_char_p, c_double, c_uint64)


class xdperf_metric_source(Structure):
    _fields_ = [("worker", c_int32), ("instance", c_uint64)]


# xdperf_metric_fn (hotload.h): with the source of the value
SOURCED_METRIC_FN = ctypes.CFUNCTYPE(None, c_void_p, c_char_p, c_char_p, c_double, c_uint64,
                                     POINTER(xdperf_metric_source))


class xdperf_plugin_opts(Structure):
    _fields_ = [("sz", c_size_t), ("name", c_char_p), ("max_memory_pages", c_uint32),
                ("fuel", c_uint64), ("max_call_depth", c_uint32), ("max_output", c_size_t),
                ("log_level", c_int), ("log", LOG_FN), ("log_ctx", c_void_p),
                ("metric", METRIC_FN), ("metric_ctx", c_void_p), ("interrupt", c_void_p),
                ("device", c_char_p), ("skip_config_check", c_bool), ("dir", c_char_p),
                ("dir_guest", c_char_p)]


# ---- include/xdperf/field.h, tx.h ------------------------------------------------------------

class xdperf_field_mod(Structure):
    _fields_ = [("offset", c_uint16), ("len", c_uint8), ("little_endian", c_bool),
                ("op", c_int), ("min", c_uint64), ("max", c_uint64), ("step", c_uint64),
                ("start", c_uint64), ("has_start", c_bool), ("seed", c_uint64),
                ("name", c_char_p), ("skip", c_uint64), ("stride", c_uint64),
                ("truncate", c_bool)]


class xdperf_csum_spec(Structure):
    _fields_ = [("off", c_uint16), ("start", c_uint16), ("len", c_uint16), ("src", c_uint16),
                ("dst", c_uint16), ("alen", c_uint8), ("proto", c_uint8), ("nonzero", c_bool)]


class xdperf_tx_frame(Structure):
    _fields_ = [("data", POINTER(c_uint8)), ("len", c_uint16), ("rate_pps", c_uint64),
                ("weight", c_uint64), ("mods", POINTER(xdperf_field_mod)), ("nmods", c_uint32),
                ("csums", c_uint32), ("specs", POINTER(xdperf_csum_spec)), ("nspecs", c_uint32)]


class xdperf_templates_opts(Structure):
    _fields_ = [("sz", c_size_t), ("count", c_uint64), ("imix", c_char_p)]


class xdperf_tx_stats(Structure):
    _fields_ = [("packets", c_uint64), ("bytes", c_uint64), ("errors", c_uint64),
                ("refused", c_uint64), ("seconds", c_double)]


PROGRESS_FN = ctypes.CFUNCTYPE(None, c_void_p, POINTER(xdperf_tx_stats), POINTER(xdperf_tx_stats))
NOTICE_FN = ctypes.CFUNCTYPE(None, c_void_p, c_char_p)


class xdperf_tx_opts(Structure):
    _fields_ = [("sz", c_size_t), ("mode", c_int), ("parallelism", c_uint),
                ("cpus", POINTER(c_int)), ("count", c_uint64), ("duration", c_double),
                ("rate_pps", c_uint64), ("bitrate", c_uint64), ("batch", c_uint),
                ("progress", PROGRESS_FN), ("progress_ctx", c_void_p),
                ("notice", NOTICE_FN), ("notice_ctx", c_void_p), ("stamp", c_bool),
                ("stall_timeout", c_double), ("run_id", c_uint32), ("rate", c_double)]


class xdperf_tx_result(Structure):
    _fields_ = [("mode", c_char_p), ("total", xdperf_tx_stats), ("threads", c_uint),
                ("stopped", c_bool), ("resident", c_bool), ("rate_pps", c_double),
                ("run_id", c_uint32), ("held_s", c_double), ("first_bytes", c_uint32),
                ("rate_secs", c_uint), ("rate_mean", c_double), ("rate_stddev", c_double),
                ("rate_cv", c_double), ("rate_min", c_double), ("rate_max", c_double),
                ("sched_frames", c_uint64), ("sched_p50_us", c_double),
                ("sched_p99_us", c_double), ("sched_max_us", c_double)]


class xdperf_tx_stream(Structure):
    _fields_ = [("thread", c_uint), ("tmpl", c_uint32), ("stream", c_uint32),
                ("packets", c_uint64), ("bytes", c_uint64), ("refused", c_uint64)]


class xdperf_tx_stream_opts(Structure):
    _fields_ = [("sz", c_size_t), ("name", c_char_p), ("frames", POINTER(xdperf_tx_frame)),
                ("nframes", c_size_t), ("rate", c_double), ("bitrate", c_uint64),
                ("count", c_uint64), ("duration", c_double), ("start", c_double),
                ("burst", c_uint32), ("stamp", c_bool)]


class xdperf_tx_sstats(Structure):
    _fields_ = [("packets", c_uint64), ("bytes", c_uint64), ("refused", c_uint64),
                ("first_s", c_double), ("last_s", c_double), ("rate", c_double)]


# ---- include/xdperf/server.h -----------------------------------------------------------------

class xdperf_server_opts(Structure):
    _fields_ = [("sz", c_size_t), ("mode", c_int), ("port", c_uint16), ("stamp", c_bool),
                ("control", c_char_p), ("verifier", c_char_p), ("verifier_config", c_char_p),
                ("sample_every", c_uint), ("log_level", c_int), ("reflect", c_int),
                ("notice", NOTICE_FN), ("notice_ctx", c_void_p)]


class xdperf_server_stats(Structure):
    _fields_ = [("packets", c_uint64), ("bytes", c_uint64), ("passed", c_uint64),
                ("stamped", c_uint64), ("unstamped", c_uint64), ("ring_full", c_uint64),
                ("sampled", c_uint64), ("sample_full", c_uint64), ("distinct", c_uint64),
                ("reflected", c_uint64), ("not_reflected", c_uint64),
                ("reflect_failed", c_uint64), ("seconds", c_double), ("first_s", c_double),
                ("last_s", c_double), ("active_s", c_double), ("first_bytes", c_uint64)]


class xdperf_latency_bucket(Structure):
    _fields_ = [("le_ns", c_uint64), ("count", c_uint64)]


class xdperf_latency(Structure):
    _fields_ = [("count", c_uint64), ("negative", c_uint64), ("min_ns", c_uint64),
                ("p50_ns", c_uint64), ("p99_ns", c_uint64), ("p999_ns", c_uint64),
                ("max_ns", c_uint64), ("avg_ns", c_double), ("nhist", c_size_t),
                ("hist", POINTER(xdperf_latency_bucket))]


class xdperf_stream_report(Structure):
    _fields_ = [("stream", c_uint32), ("received", c_uint64), ("unique", c_uint64),
                ("lost", c_uint64), ("duplicated", c_uint64), ("reordered", c_uint64),
                ("first_seq", c_uint64), ("last_seq", c_uint64), ("latency", xdperf_latency),
                ("run", c_uint32)]


class xdperf_run_report(Structure):
    _fields_ = [("run", c_uint32), ("nstreams", c_size_t), ("received", c_uint64),
                ("unique", c_uint64), ("lost", c_uint64), ("duplicated", c_uint64),
                ("reordered", c_uint64)]


class xdperf_server_report(Structure):
    _fields_ = [("device", c_char * 64), ("mode", c_char * 16), ("port", c_uint16),
                ("stamp", c_bool), ("reflect", c_int), ("stats", xdperf_server_stats),
                ("total", xdperf_stream_report), ("nstreams", c_size_t),
                ("streams", POINTER(xdperf_stream_report)), ("streams_over_limit", c_uint64),
                ("verifier", c_bool), ("valid", c_uint64), ("invalid", c_uint64),
                ("verifier_failed", c_uint64), ("first_error", c_char * 256),
                ("nruns", c_size_t), ("runs", POINTER(xdperf_run_report))]


class xdperf_server_ctl_opts(Structure):
    _fields_ = [("sz", c_size_t), ("timeout_ms", c_int), ("stop", POINTER(c_int))]


# ---- include/xdperf/admin.h (client) ----------------------------------------------------------

class xdperf_admin_reply(Structure):
    _fields_ = [("status", ctypes.c_long), ("body", c_void_p), ("len", c_size_t),
                ("content_type", c_void_p)]


# ---- include/xdperf/hotload.h (the registry) ------------------------------------------------

class xdperf_proto_policy(Structure):
    _fields_ = [("sz", c_size_t), ("max_memory_pages", c_uint32), ("fuel", c_uint64),
                ("max_input", c_uint32), ("max_output", c_uint32), ("allowed_imports", c_char_p),
                ("idle_expiry_ms", c_uint32), ("max_table_elems", c_uint32),
                ("max_instance_bytes", c_uint64), ("max_module_bytes", c_uint64),
                ("dir", c_char_p)]


class xdperf_registry_opts(Structure):
    _fields_ = [("sz", c_size_t), ("trust_dir", c_char_p), ("policy", xdperf_proto_policy),
                ("max_workers", c_uint32), ("maintain_interval_ms", c_uint32),
                ("log", LOG_FN), ("log_ctx", c_void_p), ("metric", SOURCED_METRIC_FN),
                ("metric_ctx", c_void_p), ("interrupt", c_void_p), ("max_protocols", c_uint32),
                ("max_versions", c_uint32), ("quiet_unsigned", c_bool)]


class xdperf_load_opts(Structure):
    _fields_ = [("sz", c_size_t), ("sig", c_char_p), ("siglen", c_size_t),
                ("policy", POINTER(xdperf_proto_policy)), ("replace", c_bool)]


class xdperf_version_info(Structure):
    _fields_ = [("id", c_char * 64), ("version", c_char * 32), ("state", c_int),
                ("traffic", c_double), ("native", c_bool), ("packed_abi", c_bool),
                ("key_id", c_char * 17), ("sha256", c_char * 65), ("calls", c_uint64),
                ("errors", c_uint64), ("traps", c_uint64), ("fuel", c_uint64),
                ("memory_cap", c_uint64), ("bad_output", c_uint64), ("p50_ns", c_uint64),
                ("p99_ns", c_uint64), ("memory_bytes", c_uint64), ("instances", c_uint32),
                ("idle_ms", c_uint64), ("module_bytes", c_uint64), ("load_us", c_uint64)]


class xdperf_proto_buf(Structure):
    _fields_ = [("data", c_void_p), ("len", c_size_t), ("cap", c_size_t)]


# xdperf_native_handler (hotload.h)
NATIVE_FN = ctypes.CFUNCTYPE(c_int, c_void_p, POINTER(c_uint8), c_size_t, POINTER(xdperf_proto_buf),
                             POINTER(c_char), c_size_t)


class xdperf_call_info(Structure):
    _fields_ = [("version", c_char * 32), ("fault", c_int)]


#: Every mirrored struct, by its C name (the struct tests walk this).
STRUCTS = {
    "xwasm_val": xwasm_val, "struct xwasm_trap": xwasm_trap,
    "struct xwasm_load_opts": xwasm_load_opts, "struct xwasm_import_info": xwasm_import_info,
    "struct xwasm_instance_opts": xwasm_instance_opts,
    "struct xwasm_memory_opts": xwasm_memory_opts,
    "struct xdperf_plugin_opts": xdperf_plugin_opts,
    "struct xdperf_field_mod": xdperf_field_mod, "struct xdperf_csum_spec": xdperf_csum_spec,
    "struct xdperf_tx_frame": xdperf_tx_frame, "struct xdperf_tx_stats": xdperf_tx_stats,
    "struct xdperf_tx_opts": xdperf_tx_opts, "struct xdperf_tx_result": xdperf_tx_result,
    "struct xdperf_tx_stream": xdperf_tx_stream,
    "struct xdperf_tx_stream_opts": xdperf_tx_stream_opts,
    "struct xdperf_tx_sstats": xdperf_tx_sstats,
    "struct xdperf_templates_opts": xdperf_templates_opts,
    "struct xdperf_metric_source": xdperf_metric_source,
    "struct xdperf_server_opts": xdperf_server_opts,
    "struct xdperf_server_stats": xdperf_server_stats,
    "struct xdperf_latency_bucket": xdperf_latency_bucket,
    "struct xdperf_latency": xdperf_latency,
    "struct xdperf_stream_report": xdperf_stream_report,
    "struct xdperf_run_report": xdperf_run_report,
    "struct xdperf_server_report": xdperf_server_report,
    "struct xdperf_server_ctl_opts": xdperf_server_ctl_opts,
    "struct xdperf_admin_reply": xdperf_admin_reply,
    "struct xdperf_proto_policy": xdperf_proto_policy,
    "struct xdperf_registry_opts": xdperf_registry_opts,
    "struct xdperf_load_opts": xdperf_load_opts,
    "struct xdperf_version_info": xdperf_version_info,
    "struct xdperf_proto_buf": xdperf_proto_buf,
    "struct xdperf_call_info": xdperf_call_info,
}


def _fn(h: ctypes.CDLL, name: str, restype, *argtypes) -> None:
    f = getattr(h, name)
    f.restype = restype
    f.argtypes = list(argtypes)


def _declare(h: ctypes.CDLL) -> None:
    """Prototypes of the functions the package calls (as in the headers)."""
    P = c_void_p
    E = ctypes.c_char_p  # err buffer (a create_string_buffer passes as char *)
    _fn(h, "xdperf_version", c_char_p)
    _fn(h, "xdperf_version_full", c_char_p)
    # wasm.h
    _fn(h, "xwasm_trap_kind_str", c_char_p, c_int)
    _fn(h, "xwasm_module_load", c_int, c_char_p, c_size_t, POINTER(xwasm_load_opts),
        POINTER(P), E, c_size_t)
    _fn(h, "xwasm_module_free", None, P)
    _fn(h, "xwasm_module_num_exports", c_uint32, P)
    _fn(h, "xwasm_module_export", c_int, P, c_uint32, POINTER(xwasm_import_info))
    _fn(h, "xwasm_module_num_imports", c_uint32, P)
    _fn(h, "xwasm_module_import", c_int, P, c_uint32, POINTER(xwasm_import_info))
    _fn(h, "xwasm_instance_new", c_int, P, P, POINTER(xwasm_instance_opts), POINTER(P),
        POINTER(xwasm_trap), E, c_size_t)
    _fn(h, "xwasm_instance_free", None, P)
    _fn(h, "xwasm_linker_new", P)
    _fn(h, "xwasm_linker_free", None, P)
    _fn(h, "xwasm_linker_define_func", c_int, P, c_char_p, c_char_p, POINTER(c_uint8), c_uint32,
        POINTER(c_uint8), c_uint32, c_void_p, c_void_p)
    h.xwasm_instance_set_trap.restype = None  # variadic: (inst, kind, fmt, ...)
    _fn(h, "xwasm_instance_func", P, P, c_char_p)
    _fn(h, "xwasm_instance_memory0", P, P)
    _fn(h, "xwasm_instance_memory", P, P, c_char_p)
    _fn(h, "xwasm_func_type", None, P, POINTER(POINTER(c_uint8)), POINTER(c_uint32),
        POINTER(POINTER(c_uint8)), POINTER(c_uint32))
    _fn(h, "xwasm_call", c_int, P, P, POINTER(xwasm_val), c_uint32, POINTER(xwasm_val),
        c_uint32, POINTER(xwasm_trap))
    _fn(h, "xwasm_instance_set_fuel", None, P, c_uint64)
    _fn(h, "xwasm_instance_fuel_used", c_uint64, P)
    _fn(h, "xwasm_memory_size", c_uint64, P)
    _fn(h, "xwasm_memory_read", c_int, P, c_uint64, c_void_p, c_size_t)
    _fn(h, "xwasm_memory_write", c_int, P, c_uint64, c_void_p, c_size_t)
    _fn(h, "xwasm_memory_create", c_int, c_uint32, c_uint32, POINTER(xwasm_memory_opts),
        POINTER(P))
    _fn(h, "xwasm_memory_free", None, P)
    _fn(h, "xwasm_memory_pages", c_uint32, P)
    _fn(h, "xwasm_memory_grow", c_int64, P, c_uint32)
    V = _xwasm_val_byvalue
    _fn(h, "xwasm_global_new", P, V, c_bool)
    _fn(h, "xwasm_global_free", None, P)
    _fn(h, "xwasm_global_get", V, P)
    _fn(h, "xwasm_global_set", c_int, P, V)
    _fn(h, "xwasm_global_type", c_uint8, P)
    _fn(h, "xwasm_global_mutable", c_bool, P)
    _fn(h, "xwasm_table_new", P, c_uint8, c_uint32, c_uint32)
    _fn(h, "xwasm_table_free", None, P)
    _fn(h, "xwasm_table_size", c_uint32, P)
    _fn(h, "xwasm_table_get", c_int, P, c_uint32, POINTER(xwasm_val))
    _fn(h, "xwasm_instance_global", P, P, c_char_p)
    _fn(h, "xwasm_instance_table", P, P, c_char_p)
    _fn(h, "xwasm_linker_define_memory", c_int, P, c_char_p, c_char_p, P)
    _fn(h, "xwasm_linker_define_table", c_int, P, c_char_p, c_char_p, P)
    _fn(h, "xwasm_linker_define_global", c_int, P, c_char_p, c_char_p, P)
    _fn(h, "xwasm_linker_define_instance", c_int, P, c_char_p, P)
    # plugin.h
    _fn(h, "xdperf_plugin_load", c_int, c_char_p, POINTER(xdperf_plugin_opts), POINTER(P), E,
        c_size_t)
    _fn(h, "xdperf_plugin_load_bytes", c_int, c_char_p, c_size_t, POINTER(xdperf_plugin_opts),
        POINTER(P), E, c_size_t)
    _fn(h, "xdperf_plugin_init", c_int, P, c_char_p, c_size_t, E, c_size_t)
    _fn(h, "xdperf_plugin_process", c_int, P, c_char_p, c_size_t, POINTER(c_void_p),
        POINTER(c_size_t), E, c_size_t)
    _fn(h, "xdperf_plugin_cleanup", c_int, P, E, c_size_t)
    _fn(h, "xdperf_plugin_free", None, P)
    _fn(h, "xdperf_plugin_name", c_char_p, P)
    _fn(h, "xdperf_plugin_schema", c_char_p, P)
    # tx.h
    _fn(h, "xdperf_tx_new", c_int, c_char_p, POINTER(xdperf_tx_frame), c_size_t,
        POINTER(xdperf_tx_opts), POINTER(P), E, c_size_t)
    _fn(h, "xdperf_tx_new_streams", c_int, c_char_p, POINTER(xdperf_tx_stream_opts), c_size_t,
        POINTER(xdperf_tx_opts), POINTER(P), E, c_size_t)
    _fn(h, "xdperf_tx_stream_stats", c_int, P, POINTER(xdperf_tx_sstats), c_size_t)
    _fn(h, "xdperf_tx_run", c_int, P, POINTER(xdperf_tx_result), E, c_size_t)
    _fn(h, "xdperf_tx_streams", c_int, P, POINTER(POINTER(xdperf_tx_stream)), POINTER(c_size_t))
    _fn(h, "xdperf_tx_stop", None, P)
    _fn(h, "xdperf_tx_swap", c_int, P, POINTER(xdperf_tx_frame), c_size_t, E, c_size_t)
    _fn(h, "xdperf_tx_swaps", c_uint, P)
    _fn(h, "xdperf_tx_free", None, P)
    _fn(h, "xdperf_tx_rates", c_bool, POINTER(xdperf_tx_result), POINTER(c_double),
        POINTER(c_double))
    # templates.h
    _fn(h, "xdperf_templates_from_json", c_int, c_char_p, c_size_t, POINTER(xdperf_templates_opts),
        POINTER(P), E, c_size_t)
    _fn(h, "xdperf_templates_from_file", c_int, c_char_p, POINTER(xdperf_templates_opts),
        POINTER(P), E, c_size_t)
    _fn(h, "xdperf_templates_n", c_size_t, P)
    _fn(h, "xdperf_templates_frames", POINTER(xdperf_tx_frame), P)
    _fn(h, "xdperf_templates_warnings", c_char_p, P)
    _fn(h, "xdperf_templates_free", None, P)
    _fn(h, "xdperf_templates_from_pcap", c_int, c_char_p, POINTER(xdperf_templates_opts),
        POINTER(P), E, c_size_t)
    # profile.h
    _fn(h, "xdperf_profile_load", c_int, c_char_p, POINTER(P), E, c_size_t)
    _fn(h, "xdperf_profile_json", c_char_p, P)
    _fn(h, "xdperf_profile_free", None, P)
    _fn(h, "xdperf_tx_cpus", c_int, c_char_p, c_char_p, POINTER(c_int), c_uint, POINTER(c_uint),
        E, c_size_t)
    # server.h
    _fn(h, "xdperf_server_open", c_int, c_char_p, POINTER(xdperf_server_opts), POINTER(P), E,
        c_size_t)
    _fn(h, "xdperf_server_mode_name", c_char_p, P)
    _fn(h, "xdperf_server_stats", c_int, P, POINTER(xdperf_server_stats))
    _fn(h, "xdperf_server_reset", None, P)
    _fn(h, "xdperf_server_stats_since_open", c_int, P, POINTER(xdperf_server_stats))
    _fn(h, "xdperf_server_report_parse", c_int, c_char_p, POINTER(POINTER(xdperf_server_report)),
        E, c_size_t)
    _fn(h, "xdperf_server_rates", c_bool, POINTER(xdperf_server_stats), POINTER(c_double),
        POINTER(c_double))
    _fn(h, "xdperf_server_report", c_int, P, POINTER(POINTER(xdperf_server_report)))
    _fn(h, "xdperf_server_report_free", None, POINTER(xdperf_server_report))
    _fn(h, "xdperf_server_report_json", c_void_p, POINTER(xdperf_server_report))
    _fn(h, "xdperf_server_report_lost", c_uint64, POINTER(xdperf_server_report), c_uint64)
    _fn(h, "xdperf_server_close", None, P)
    _fn(h, "xdperf_server_ctl_open", c_int, c_char_p, POINTER(xdperf_server_ctl_opts),
        POINTER(P), E, c_size_t)
    _fn(h, "xdperf_server_ctl_info", None, P, c_char_p, c_size_t, POINTER(c_uint16),
        POINTER(c_bool))
    _fn(h, "xdperf_server_ctl_reset", c_int, P, E, c_size_t)
    _fn(h, "xdperf_server_ctl_stats", c_int, P, POINTER(xdperf_server_stats), E, c_size_t)
    _fn(h, "xdperf_server_ctl_report", c_int, P, c_uint64, c_int, c_int,
        POINTER(POINTER(xdperf_server_report)), E, c_size_t)
    _fn(h, "xdperf_server_ctl_close", None, P)
    # admin.h (client)
    _fn(h, "xdperf_admin_request", c_int, c_char_p, c_char_p, c_char_p, c_char_p, c_size_t,
        c_char_p, c_char_p, c_char_p, c_uint32, POINTER(xdperf_admin_reply), E, c_size_t)
    _fn(h, "xdperf_admin_reply_free", None, POINTER(xdperf_admin_reply))
    # hotload.h (the registry)
    _fn(h, "xdperf_registry_new", c_int, POINTER(xdperf_registry_opts), POINTER(P), E, c_size_t)
    _fn(h, "xdperf_registry_free", None, P)
    _fn(h, "xdperf_registry_set_policy", c_int, P, c_char_p, POINTER(xdperf_proto_policy), E,
        c_size_t)
    _fn(h, "xdperf_registry_load", c_int, P, c_char_p, c_char_p, c_char_p, c_size_t,
        POINTER(xdperf_load_opts), E, c_size_t)
    _fn(h, "xdperf_registry_load_file", c_int, P, c_char_p, c_char_p, c_char_p,
        POINTER(xdperf_load_opts), E, c_size_t)
    _fn(h, "xdperf_registry_load_native", c_int, P, c_char_p, c_char_p, NATIVE_FN, c_void_p, E,
        c_size_t)
    for name in ("start_testing", "promote", "deprecate", "unload"):
        _fn(h, "xdperf_registry_" + name, c_int, P, c_char_p, c_char_p, E, c_size_t)
    _fn(h, "xdperf_registry_set_traffic", c_int, P, c_char_p, c_char_p, c_double, E, c_size_t)
    _fn(h, "xdperf_registry_rollback", c_int, P, c_char_p, E, c_size_t)
    _fn(h, "xdperf_registry_maintain", c_int, P)
    _fn(h, "xdperf_registry_list", c_int, P, c_char_p, POINTER(POINTER(xdperf_version_info)),
        POINTER(c_size_t))
    _fn(h, "xdperf_registry_route", c_int, P, P, c_char_p, c_char_p, c_size_t, c_char_p,
        c_size_t, POINTER(xdperf_proto_buf), POINTER(xdperf_call_info), E, c_size_t)
    _fn(h, "xdperf_registry_execute", c_int, P, P, c_char_p, c_char_p, c_char_p, c_size_t,
        POINTER(xdperf_proto_buf), POINTER(xdperf_call_info), E, c_size_t)
    _fn(h, "xdperf_worker_new", c_int, P, POINTER(P), E, c_size_t)
    _fn(h, "xdperf_worker_free", None, P)
    _fn(h, "xdperf_version_state_str", c_char_p, c_int)
    _fn(h, "xdperf_proto_fault_str", c_char_p, c_int)
    # libc free for buffers the library mallocs
    libc = ctypes.CDLL(None)
    libc.free.restype = None
    libc.free.argtypes = [c_void_p]
    h._libc_free = libc.free  # type: ignore[attr-defined]
    libc.realloc.restype = c_void_p
    libc.realloc.argtypes = [c_void_p, c_size_t]
    h._libc_realloc = libc.realloc  # type: ignore[attr-defined]


def realloc(ptr, size: int) -> int:
    """realloc() for buffers the library will free (0 when out of memory)."""
    return lib()._libc_realloc(ptr, size) or 0  # type: ignore[attr-defined]


def free(ptr) -> None:
    """free() a buffer the library malloc'd."""
    lib()._libc_free(ptr)  # type: ignore[attr-defined]


def errbuf() -> ctypes.Array:
    return ctypes.create_string_buffer(512)
