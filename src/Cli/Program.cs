// Servers run their sockets as an event loop (an epoll thread per two cores, completions inline; SocketEngine), set before anything
// opens a socket. Client verbs keep the runtime's default: their Ctrl+C path was not measured or tested with it.
// The soft descriptor limit up to the hard one, as the JIT runtime does at its start and the Native AOT runtime does not.
Protocols.Net.DescriptorLimit.RaiseSoftToHard();
if (args is ["serve", ..] or [_, "serve", ..]) UseServerEventLoop();
return await Protocols.Cli.ProtoCommand.RunAsync(args);

// Apart, so that a client verb never loads the servers' assembly (compiling this file's main method would).
[System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
static void UseServerEventLoop() => Protocols.Servers.Hosting.SocketEngine.UseEventLoop();
