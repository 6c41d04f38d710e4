//! `shequ bench`: benchmarks that print figures beside a baseline measured
//! in the same run. Speed targets live here, never in tests.

pub mod assess;
pub mod branches;
pub mod circle;
pub mod command;
pub mod coop;
pub mod history;
pub mod ingest;
pub mod load;
pub mod orders;
pub mod party;
pub mod raw;
pub mod registry;
pub mod rules;
pub mod stats;

/// Which benchmark to run.
#[derive(Debug, clap::Subcommand)]
pub enum BenchCommand {
    /// Assessment: a year's ranking of 500 subjects over 1,000,000 orders (issue: assessment).
    Assess(assess::AssessBenchArgs),
    /// 三缘 branches: the assignment of 10,000 members and a 5,000-ballot tally (issue: 三缘 branches).
    Branches(branches::BranchesBenchArgs),
    /// The 15-minute circle: nearest facilities over a 100,000-edge network and where next (issue: assessment and the circle).
    Circle(circle::CircleBenchArgs),
    /// The command centre with a long order history (issue: the command centre).
    Command(command::CommandBenchArgs),
    /// Regional cooperation: matching against 20,000 resources and the year's project list (issue: regional cooperation).
    Coop(coop::CoopBenchArgs),
    /// Filing work orders through the HTTP stack (issue: work orders).
    Orders(orders::OrdersBenchArgs),
    /// Door events over HTTP and MQTT, stored durably (issue: sensing).
    Ingest(ingest::IngestBenchArgs),
    /// Party organisation at a district's size: coverage and the tree page (issue: party organisation).
    Party(party::PartyBenchArgs),
    /// Demo generation and people search (issue: the foundation).
    Registry(registry::RegistryBenchArgs),
    /// The welfare-alert rules engine: memory, events/s, alert latency (issue: sensing).
    Rules(rules::RulesBenchArgs),
}

pub async fn run(command: BenchCommand) -> anyhow::Result<std::process::ExitCode> {
    match command {
        BenchCommand::Assess(args) => assess::run(args).await?,
        BenchCommand::Branches(args) => branches::run(args)?,
        BenchCommand::Circle(args) => circle::run(args)?,
        BenchCommand::Command(args) => command::run(args).await?,
        BenchCommand::Coop(args) => coop::run(args).await?,
        BenchCommand::Orders(args) => orders::run(args).await?,
        BenchCommand::Party(args) => party::run(args).await?,
        BenchCommand::Registry(args) => registry::run(args).await?,
        BenchCommand::Ingest(args) => ingest::run(args).await?,
        BenchCommand::Rules(args) => rules::run(args).await?,
    }
    Ok(std::process::ExitCode::SUCCESS)
}
