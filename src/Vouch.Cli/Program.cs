return Vouch.Cli.VouchCommand.Run(args);
