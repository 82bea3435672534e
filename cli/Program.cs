using System.CommandLine;
using Mediator.Cli;
using Mediator.Cli.Commands;

ParentWatch.StartIfAsked();

var root = new RootCommand("Mediator: a safe ring-mediation runtime for fast packet I/O")
{
    DemoCommand.Create(),
    BrokerCommand.Create(),
    PktgenCommand.Create(),
    SinkCommand.Create(),
    EchoCommand.Create(),
    RespondCommand.Create(),
    StatsCommand.Create(),
    SelfTestCommand.Create(),
    EvalCommand.Create(),
};
return await root.Parse(args).InvokeAsync();
