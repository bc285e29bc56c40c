//! Rollback, the one sanctioned way backwards, against moto and the Image Builder stand-in.

use amiflow_testkit::resources::{launch_template, launch_template_state};
use amiflow_testkit::rollback::{assert_rollback_holds, Held};
use amiflow_testkit::{unique, HOME_ACCOUNT};
use serde_json::json;
use update_launch_templates::updater::TemplateUpdater;

#[tokio::test]
async fn a_rollback_moves_back_holds_against_the_bad_build_and_yields_to_a_newer_one() {
    let name = unique("lt-rollback");
    let id = launch_template(HOME_ACCOUNT, "us-east-1", &name, &[]).await;
    let policy = json!({"rules": [{"name": "r", "launchTemplates": [{"launchTemplateId": id, "region": "us-east-1"}]}]});
    let held = || async {
        let state = launch_template_state(HOME_ACCOUNT, "us-east-1", &id).await;
        // Each write is a new version, made the default.
        assert_eq!(
            state.default as usize, state.versions,
            "the newest is the default"
        );
        Held {
            ami: state.default_ami,
            writes: state.versions as i64,
            note: state.default_description,
        }
    };
    assert_rollback_holds(&name, policy, TemplateUpdater::new, held).await;
}
