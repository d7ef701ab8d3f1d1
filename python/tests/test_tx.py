"""Transmit runs and server mode on a veth pair: veth0 <-> veth1, both ends inside one network
namespace that tests/cases/python_api.sh creates (it runs pytest inside it and names the ends
in XDPERF_TEST_TX_DEV / XDPERF_TEST_RX_DEV). Skipped without them (not root)."""
import os
import shutil
import signal
import subprocess
import threading
import time

import pytest

import xdperf
from pcap import read_frames

TX_DEV = os.environ.get("XDPERF_TEST_TX_DEV")
RX_DEV = os.environ.get("XDPERF_TEST_RX_DEV")
pytestmark = pytest.mark.skipif(not (TX_DEV and RX_DEV),
                                reason="needs the veth pair of tests/cases/python_api.sh (root)")
PORT = 9000


def mac_of(dev):
    with open("/sys/class/net/%s/address" % dev) as f:
        return bytes.fromhex(f.read().strip().replace(":", ""))


@pytest.fixture
def frame(build):
    cfg = {"dst_port": PORT, "payload_size": 100, "src_ip": "10.201.0.1",
           "dst_ip": "10.201.0.2", "dst_mac": ":".join("%02x" % b for b in mac_of(RX_DEV))}
    with xdperf.Plugin.load(os.path.join(build, "plugins", "simpleudp.wasm"), cfg) as p:
        (t,) = p.templates(mac=mac_of(TX_DEV), device=TX_DEV)
    return t


@pytest.fixture
def procs():
    """Processes a test starts (tcpdump): killed if still running when it ends."""
    ps = []
    yield ps
    for p in ps:
        if p.poll() is None:
            p.kill()
            p.wait()


def wait_packets(srv, n, secs=10.0):
    end = time.time() + secs
    while time.time() < end:
        st = srv.stats()
        if st.packets >= n:
            break
        time.sleep(0.05)
    time.sleep(0.2)  # anything beyond n would show now
    return srv.stats()


def test_tx_counted_by_server_and_tcpdump(frame, tmp_path, procs):
    n = 2000
    tcpdump = shutil.which("tcpdump")
    cap = tmp_path / "rx.pcap"
    td = None
    with xdperf.Server(RX_DEV, port=PORT, stamp=True, mode="afpacket") as srv:
        assert srv.mode == "afpacket"
        if tcpdump:
            td = subprocess.Popen([tcpdump, "-i", RX_DEV, "-n", "-U", "-c", str(n), "-w",
                                   str(cap), "udp", "dst", "port", str(PORT)],
                                  stderr=subprocess.PIPE, text=True)
            procs.append(td)
            assert "listening on" in td.stderr.readline()
        with xdperf.Tx(TX_DEV, [frame], count=n, rate_pps=20000, mode="afpacket",
                       stamp=True) as tx:
            r = tx.run()
        assert r.total.packets == n and r.total.errors == 0
        assert r.total.bytes == n * len(frame)
        assert r.mode == "afpacket"
        assert not r.stopped and r.threads == 1 and r.rate_pps == 20000
        assert r.run_id != 0  # stamped
        assert sum(s.packets for s in r.streams) == n
        st = wait_packets(srv, n)
        assert st.packets == n and st.stamped == n and st.bytes == n * len(frame)
        assert st.pps is not None and st.pps > 0
        rep = srv.report()
        assert rep.device == RX_DEV and rep.mode == "afpacket" and rep.stamp
        assert rep.total.received == n and rep.total.unique == n and rep.total.lost == 0
        assert len(rep.streams) == 1 and rep.streams[0].run == r.run_id
        s = rep.streams[0]
        assert (s.first_seq, s.last_seq, s.lost, s.duplicated) == (0, n - 1, 0, 0)
        assert s.latency.count == n and s.latency.min_ns <= s.latency.p50_ns <= s.latency.max_ns
        assert sum(c for _, c in s.latency.hist) == n
        assert rep.lost_against(n) == 0 and srv.lost(n + 5) == 5
        assert rep.runs[0].run == r.run_id and rep.runs[0].received == n
        back = xdperf.server.parse_report(srv.report_json_text())  # the JSON round trip
        assert (back.total.unique, back.total.lost, back.device) == (n, 0, RX_DEV)
        assert [(x.stream, x.run, x.received) for x in back.streams] == \
            [(x.stream, x.run, x.received) for x in rep.streams]
        assert back.streams[0].latency.p99_ns == s.latency.p99_ns
        srv.reset()
        assert srv.stats().packets == 0 and srv.stats_since_open().packets == n
        js = srv.report_json()
        assert js["device"] == RX_DEV
    if td:
        td.wait(timeout=10)
        frames = read_frames(cap)
        assert len(frames) == n
        # the stamp trailer and UDP checksum change; the headers before them do not
        assert all(f[:40] == frame[:40] and len(f) == len(frame) for f in frames)


def test_progress_callback_and_iterator(frame):
    with xdperf.Server(RX_DEV, port=PORT, mode="afpacket") as srv:
        seen = []
        tx = xdperf.Tx(TX_DEV, [frame], count=2500, rate_pps=1000, mode="afpacket")
        r = tx.run(progress=lambda total, interval: seen.append((total, interval)))
        assert r.mode == "afpacket" and r.total.packets == 2500
        assert len(seen) >= 2
        totals = [t.packets for t, _ in seen]
        assert totals == sorted(totals) and totals[-1] <= 2500
        assert all(0 < iv.packets <= 1500 for _, iv in seen[:-1])
        srv.reset()
        tx2 = xdperf.Tx(TX_DEV, [frame], count=1500, rate_pps=1000, mode="afpacket")
        items = list(tx2.iter_progress())
        assert items and all(isinstance(i, xdperf.TxStats) for i in items)
        assert tx2.result is not None and tx2.result.total.packets == 1500
        assert wait_packets(srv, 1500).packets == 1500


def test_keyboard_interrupt_stops_with_summary(frame):
    with xdperf.Server(RX_DEV, port=PORT, mode="afpacket") as srv:
        tx = xdperf.Tx(TX_DEV, [frame], rate_pps=2000, mode="afpacket")  # no limit
        main = threading.main_thread().ident
        threading.Timer(1.0, lambda: signal.pthread_kill(main, signal.SIGINT)).start()
        t0 = time.time()
        with pytest.raises(xdperf.RunInterrupted) as e:
            tx.run()
        assert time.time() - t0 < 3
        r = e.value.result
        assert r.stopped and 1000 <= r.total.packets <= 4000
        assert isinstance(e.value, KeyboardInterrupt)
        assert wait_packets(srv, r.total.packets).packets == r.total.packets


def test_tx_errors(frame):
    with pytest.raises(xdperf.XdperfError) as e:
        xdperf.Tx(TX_DEV, [frame[:10]], count=1)
    assert e.value.errno == 22 and e.value.message
    with pytest.raises(xdperf.XdperfError) as e:
        xdperf.Server("xdpfnodev0", mode="afpacket")
    assert e.value.errno == 19 and "xdpfnodev0" in e.value.message


def test_auto_mode(frame):
    # AUTO uses XDP when it can; where XDP is refused before anything is sent (the device
    # takes no XDP frames, or the kernel refuses BPF_PROG_RUN itself: EPERM in some sandboxes)
    # it falls back to AF_PACKET with a notice saying why.
    with xdperf.Server(RX_DEV, port=PORT, mode="afpacket") as srv:
        notices = []
        tx = xdperf.Tx(TX_DEV, [frame], count=500, rate_pps=10000, notice=notices.append)
        r = tx.run()
        assert r.total.packets == 500 and wait_packets(srv, 500).packets == 500
        assert r.mode in ("xdp", "afpacket")
        if r.mode == "afpacket":
            assert notices and r.notices == notices


def test_field_modifier_on_the_wire(frame, tmp_path, procs):
    # UDP source port (offset 34) walks 1000..1009; the UDP checksum is kept right
    n = 50
    cap = tmp_path / "mods.pcap"
    td = subprocess.Popen(["tcpdump", "-i", RX_DEV, "-n", "-U", "-c", str(n), "-w", str(cap),
                           "udp", "dst", "port", str(PORT)], stderr=subprocess.PIPE, text=True)
    procs.append(td)
    assert "listening on" in td.stderr.readline()
    f = xdperf.Frame(frame, mods=[xdperf.FieldMod(34, 2, "increment", min=1000, max=1009,
                                                  name="udp.src_port")],
                     csums=xdperf.tx.CSUM_UDP | xdperf.tx.CSUM_IPV4)
    with xdperf.Tx(TX_DEV, [f], count=n, rate_pps=5000, mode="afpacket") as tx:
        assert tx.run().total.packets == n
    td.wait(timeout=10)
    got = read_frames(cap)
    assert [int.from_bytes(g[34:36], "big") for g in got] == [1000 + i % 10 for i in range(n)]
    for g in got:  # UDP checksum over the pseudo-header and the datagram sums to 0xffff
        udp = g[34:]
        ph = g[26:34] + bytes([0, 17]) + len(udp).to_bytes(2, "big")
        data = ph + udp + (b"\0" if len(udp) % 2 else b"")
        s = sum(int.from_bytes(data[i:i + 2], "big") for i in range(0, len(data), 2))
        while s > 0xFFFF:
            s = (s & 0xFFFF) + (s >> 16)
        assert s == 0xFFFF
    with pytest.raises(xdperf.XdperfError) as e:
        xdperf.Tx(TX_DEV, [xdperf.Frame(frame, mods=[xdperf.FieldMod(34, 3)])], count=1)
    assert e.value.errno == 22 and e.value.message


def test_hot_swap(frame):
    # 9000 before the swap, 9001 after: the server counts the first, passes the others
    other = bytearray(frame)
    other[36:38] = (PORT + 1).to_bytes(2, "big")
    other[40:42] = b"\0\0"  # UDP checksum 0: none (IPv4)
    with xdperf.Server(RX_DEV, port=PORT, mode="afpacket") as srv:
        tx = xdperf.Tx(TX_DEV, [frame], count=3000, rate_pps=3000, mode="afpacket")
        threading.Timer(0.4, tx.swap, ([bytes(other)],)).start()
        r = tx.run()
        assert r.total.packets == 3000 and tx.swaps == 1
        end = time.time() + 10
        while time.time() < end:
            st = srv.stats()
            if st.packets + st.passed >= 3000:
                break
            time.sleep(0.05)
        assert st.packets + st.passed == 3000 and 600 <= st.packets <= 2400, st
        with pytest.raises(xdperf.XdperfError) as e:
            tx.swap([frame])
        assert e.value.errno == 16  # EBUSY: the run ended


def test_server_control_connection(frame):
    addr = "127.0.0.1:7123"
    with xdperf.Server(RX_DEV, port=PORT, stamp=True, mode="afpacket", control=addr) as srv, \
            xdperf.ServerControl(addr) as ctl:
        assert ctl.info() == ("afpacket", PORT, True)
        with xdperf.Tx(TX_DEV, [frame], count=300, rate_pps=10000, mode="afpacket") as tx:
            tx.run()  # unstamped, then reset away
        wait_packets(srv, 300)
        ctl.reset()
        assert srv.stats().packets == 0
        with xdperf.Tx(TX_DEV, [frame], count=1000, rate_pps=10000, mode="afpacket",
                       stamp=True) as tx:
            r = tx.run()
        rep = ctl.report(expect=1000)
        assert rep.total.unique == 1000 and rep.lost_against(1000) == 0
        assert rep.lost_against(1010) == 10
        assert [s.run for s in rep.streams] == [r.run_id]
        st = ctl.stats()
        assert st.packets == 1000 and st.stamped == 1000
    with pytest.raises(xdperf.XdperfError) as e:
        xdperf.ServerControl("127.0.0.1:7124", timeout_ms=1000)
    assert e.value.errno == 111 and "127.0.0.1:7124" in e.value.message


def test_multi_stream_run(frame):
    other = bytearray(frame)
    other[36:38] = (PORT + 1).to_bytes(2, "big")
    other[40:42] = b"\0\0"
    with xdperf.Server(RX_DEV, port=PORT, stamp=True, mode="afpacket") as srv:
        tx = xdperf.Tx(TX_DEV, [], mode="afpacket", streams=[
            xdperf.Stream([frame], name="main", rate=1000, count=500, stamp=True),
            xdperf.Stream([bytes(other)], name="late", rate=500, count=200, start=0.2)])
        r = tx.run()
        assert r.total.packets == 700
        ss = tx.stream_stats()
        assert [s.packets for s in ss] == [500, 200] and [s.rate for s in ss] == [1000, 500]
        assert ss[1].first_s >= 0.2 and ss[0].last_s >= 0.45
        assert sorted((s.tmpl, s.packets) for s in r.streams) == [(0, 500), (1, 200)]
        st = wait_packets(srv, 500)
        end = time.time() + 5
        while st.passed < 200 and time.time() < end:
            time.sleep(0.05)
            st = srv.stats()
        assert (st.packets, st.stamped, st.passed) == (500, 500, 200)
        assert srv.report().total.lost == 0
    with pytest.raises(xdperf.XdperfError) as e:
        xdperf.Tx(TX_DEV, [], streams=[xdperf.Stream([], name="empty", rate=10)])
    assert e.value.errno == 22 and "empty" in e.value.message


def test_two_threads_and_progress_exception(frame):
    if os.cpu_count() < 2:
        pytest.skip("one CPU")
    with xdperf.Server(RX_DEV, port=PORT, mode="afpacket") as srv:
        with xdperf.Tx(TX_DEV, [frame], count=1001, rate_pps=4000, parallelism=2,
                       mode="afpacket") as tx:
            r = tx.run()
        assert r.threads == 2 and r.total.packets == 1001
        assert sorted(s.thread for s in r.streams) == [0, 1]
        assert sum(s.packets for s in r.streams) == 1001
        assert wait_packets(srv, 1001).packets == 1001

    def boom(total, interval):
        raise RuntimeError("stop here")

    tx = xdperf.Tx(TX_DEV, [frame], rate_pps=1000, mode="afpacket")  # no limit
    t0 = time.time()
    with pytest.raises(RuntimeError, match="stop here"):
        tx.run(progress=boom)  # the exception stops the run and comes back here
    assert time.time() - t0 < 4 and tx.result is not None and tx.result.stopped


def test_server_verifier(frame, build):
    vf = os.path.join(build, "plugins", "verify_udp.wasm")
    for cfg, valid in ((None, True), ({"dst_port": 9999}, False)):
        with xdperf.Server(RX_DEV, port=PORT, mode="afpacket", verifier=vf, verifier_config=cfg,
                           sample_every=1) as srv:
            with xdperf.Tx(TX_DEV, [frame], count=100, rate_pps=2000, mode="afpacket") as tx:
                tx.run()
            end = time.time() + 10
            while time.time() < end:
                rep = srv.report()
                if rep.valid + rep.invalid + rep.verifier_failed + rep.stats.sample_full >= 100:
                    break
                time.sleep(0.05)
            assert rep.verifier and rep.stats.sampled + rep.stats.sample_full == 100
            assert rep.stats.sampled > 0 and rep.verifier_failed == 0
            if valid:
                assert rep.valid == rep.stats.sampled and rep.invalid == 0 and not rep.first_error
            else:
                assert rep.invalid == rep.stats.sampled and rep.valid == 0
                assert "9999" in rep.first_error
    with pytest.raises(xdperf.XdperfError) as e:
        xdperf.Server(RX_DEV, mode="afpacket", verifier="/nonexistent.wasm")
    assert e.value.message
