#!/usr/bin/env python3
# Start-up of `render` against `node -e 0`, two builds interleaved: wall and CPU (user+sys from wait4,
# steadier than wall time when another process loads the machine). Copy each build (bin, dist,
# package.json) to /tmp/i13s/builds/<name>/ and the init example to /tmp/i13s/wssgen.yaml; then
#   python3 scripts/bench/startup/compare.py 25
import os, sys, time, statistics
N = int(sys.argv[1])
B = "/tmp/i13s/builds"
cmds = {"floor": ["node", "-e", "0"]}
for b in sys.argv[2:] or ["base", "final"]:  # the builds to compare
    cmds[f"{b} node"] = ["node", f"{B}/{b}/bin/wssgen.js", "render"]
    cmds[f"{b} shebang"] = [f"{B}/{b}/bin/wssgen.js", "render"]
res = {k: ([], []) for k in cmds}
devnull = os.open("/dev/null", os.O_WRONLY)
for i in range(N + 1):
    for k, argv in cmds.items():
        t = time.perf_counter(); pid = os.fork()
        if pid == 0:
            os.chdir("/tmp/i13s"); os.dup2(devnull, 1); os.execvp(argv[0], argv)
        _, status, ru = os.wait4(pid, 0); w = (time.perf_counter() - t) * 1000
        assert status == 0, k
        if i: res[k][0].append(w); res[k][1].append((ru.ru_utime + ru.ru_stime) * 1000)
fw = statistics.median(res["floor"][0]); fc = statistics.median(res["floor"][1])
for k, (w, c) in res.items():
    print(f"{k:14} wall {statistics.median(w):6.1f} ms {statistics.median(w)/fw:.2f}x   cpu {statistics.median(c):6.1f} ms {statistics.median(c)/fc:.2f}x")
