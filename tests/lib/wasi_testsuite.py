#!/usr/bin/env python3
"""Runs the WASI preview1 test suite (../shared/wasi-testsuite, see its README) with
`xdperf wasm run` and prints one line per test: SUITE/NAME PASS|FAIL [why]. A test passes when
the exit code and stdout are what its .json says (legacy or "operations" form). A test's
directory ("root", or "dirs") is copied into a scratch folder, made writable, and preopened as
the guest's "/" (--dir COPY:/), as the specification says.
Usage: wasi_testsuite.py XDPERF SUITE_DIR [TMPDIR]"""
import json, os, shutil, subprocess, sys, tempfile

xdperf, root = os.path.abspath(sys.argv[1]), sys.argv[2]
tmp = sys.argv[3] if len(sys.argv) > 3 else tempfile.mkdtemp()
for suite in ("c", "assemblyscript", "rust"):
    d = os.path.join(root, suite, "testsuite", "wasm32-wasip1")
    if not os.path.isdir(d):
        continue
    for f in sorted(os.listdir(d)):
        if not f.endswith(".wasm"):
            continue
        name = f[:-5]
        spec = {}
        js = os.path.join(d, name + ".json")
        if os.path.exists(js):
            spec = json.load(open(js))
        if "operations" in spec:
            run = next((o for o in spec["operations"] if o.get("type") == "run"), {})
            wait = next((o for o in spec["operations"] if o.get("type") == "wait"), {})
            args, env, dirs = run.get("args", []), run.get("env", {}), run.get("dirs", [])
            exit_code = wait.get("exit_code", 0)
            stdout = next((o.get("payload", "") for o in spec["operations"]
                           if o.get("type") == "read" and o.get("id") == "stdout"), None)
        else:
            args, env = spec.get("args", []), spec.get("env", {})
            dirs = [spec["root"]] if spec.get("root") else []
            exit_code, stdout = spec.get("exit_code", 0), spec.get("stdout")
        cmd = [xdperf, "wasm", "run"]
        for k, v in env.items():
            cmd += ["--env", f"{k}={v}"]
        work = os.path.join(tmp, suite, name)
        shutil.rmtree(work, ignore_errors=True)
        os.makedirs(work)
        for dd in dirs:
            src = os.path.join(d, dd)
            if os.path.isdir(src):
                shutil.copytree(src, os.path.join(work, dd))
                for top, subdirs, files in os.walk(os.path.join(work, dd)):
                    for n in subdirs + files:
                        os.chmod(os.path.join(top, n), 0o755 if n in subdirs else 0o644)
                os.chmod(os.path.join(work, dd), 0o755)
            cmd += ["--dir", dd + ":/"]
        cmd += [os.path.join(d, f)]
        if args:
            cmd += ["--"] + list(args)
        try:
            p = subprocess.run(cmd, cwd=work, stdin=subprocess.DEVNULL, capture_output=True,
                               timeout=60)
            why = []
            if p.returncode != exit_code:
                why.append(f"exit {p.returncode}, want {exit_code}: "
                           + p.stderr.decode(errors="replace").strip().splitlines()[-1:][0:1].__repr__())
            if stdout is not None and p.stdout.decode(errors="replace") != stdout:
                why.append("stdout differs")
        except subprocess.TimeoutExpired:
            why = ["timed out"]
        print(f"{suite}/{name} {'FAIL ' + '; '.join(why) if why else 'PASS'}")
