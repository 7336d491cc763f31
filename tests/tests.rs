//! End-to-end tests: the real `lis` binary against files and simulated peers.

mod admin_e2e;
mod download_e2e;
mod faults_e2e;
mod his_e2e;
mod his_micro_e2e;
mod parse_cli;
mod profile_cli;
mod profiles_e2e;
mod qc_e2e;
mod query_e2e;
mod replay_e2e;
mod serial_e2e;
mod serve_e2e;
mod ui_graphs_e2e;
mod ui_journey_e2e;
mod ui_micro_e2e;
mod ui_monitor_e2e;
mod ui_patients_e2e;
mod ui_qc_e2e;
mod ui_reception_e2e;
mod user_e2e;
