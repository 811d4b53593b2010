// Servers run their sockets as an event loop (one epoll thread, completions inline; SocketEngine), set before anything
// opens a socket. Client verbs keep the runtime's default: their Ctrl+C path was not measured or tested with it.
if (args is ["serve", ..] or [_, "serve", ..]) Protocols.Servers.Hosting.SocketEngine.UseEventLoop();
return await Protocols.Cli.ProtoCommand.RunAsync(args);
