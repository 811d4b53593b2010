return await Protocols.Cli.ProtoCommand.RunAsync(args);
