#!/usr/bin/env python3
# Groups the samples of a `perf script` dump of an SMTP server by where they were spent (docs/performance.md, branch
# conn; the epoll transport of branch native too): each sample goes to the group of the innermost frame on its stack that belongs to one, in the order below.
# usage: DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0 <server> & perf record -F 1999 -g -p PID -o out.perf
#        perf script -i out.perf > out.script; python3 tests/Protocols.Benchmarks/Profiling/perf-groups.py out.script
import sys, re, collections
groups = [
 ("accept", re.compile(r"accept4|__sys_accept|inet_accept|AcceptAsync|AcceptLoop|ConnectionDispatcher|SocketConnectionListener|do_accept|LineListener|KestrelConnection|TransportConnectionManager|EpollListener")),
 ("close", re.compile(r"__x64_sys_close|__x64_sys_shutdown|tcp_close|inet_release|sock_close|tcp_shutdown|SafeSocketHandle|CloseAsync|DisposeAsync|FireConnectionClosed|CancelConnectionClosed|__fput|task_work_run|EpollSocketStream::(Dispose|Reset|ShutdownSend|SendFin)")),
 ("send", re.compile(r"sendto|__sys_sendto|tcp_sendmsg|DoSend|SocketSender|SendAsync|Socket.Send|EpollSocketStream::(Write|TrySend)")),
 ("session: command loop, dispatch, Net/Connection", re.compile(r"LineSession|Protocols\.Net\.Connection|ConnectionReader|ConnectionWriter|CrlfFraming|VerbTable|LineConnectionHandler|ConnectionLimiter|SmtpSession\.(?!Data)")),
 ("session: DATA reader, store, replies, transcript", re.compile(r"SmtpSession|MessageBuffer|InMemoryMessageStore|SessionTranscript|DotScanner|SmtpResponse|Replies")),
 ("receive", re.compile(r"recvfrom|__sys_recvfrom|tcp_recvmsg|epoll|DoReceive|SocketReceiver|ReceiveAsync|SocketAsyncEngine|SocketAsyncContext|EpollSocketStream|EpollLoop|EpollWait")),
 ("scheduling", re.compile(r"futex|schedule|sched_yield|ThreadPool|WorkerThread|LowLevelLifoSemaphore|finish_task_switch|Semaphore|Monitor")),
]
def classify(frames):
    for f in frames:  # leaf first: the innermost frame that belongs to a group decides
        for name, rx in groups:
            if rx.search(f): return name
        if re.search(r"clrjit|TieredCompilation", f): return "JIT"
    return "the rest"
counts = collections.Counter(); total = 0
frames = []; inside = False
for line in open(sys.argv[1], errors="replace"):
    if not line.strip():
        if frames:
            counts[classify(frames)] += 1; total += 1
        frames = []; continue
    if line[0] in " \t": frames.append(line.strip())
    else: frames = []
if frames: counts[classify(frames)] += 1; total += 1
order = [g for g,_ in groups] + ["JIT", "the rest"]
for g in order: print(f"{g:55s} {100*counts[g]/max(total,1):5.1f}%")
print("samples", total)
