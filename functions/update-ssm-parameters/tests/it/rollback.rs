//! Rollback, the one sanctioned way backwards, against moto and the Image Builder stand-in.

use amiflow_testkit::resources::parameter;
use amiflow_testkit::rollback::{assert_rollback_holds, Held};
use amiflow_testkit::{one_parameter, unique, HOME_ACCOUNT};
use update_ssm_parameters::parameters::ParameterWriter;

#[tokio::test]
async fn a_rollback_moves_back_holds_against_the_bad_build_and_yields_to_a_newer_one() {
    let name = unique("rollback");
    let param = format!("/{name}/latest");
    let held = || async {
        let stored = parameter(HOME_ACCOUNT, "us-east-1", &param).await;
        let stored = stored.expect("the parameter exists");
        Held {
            ami: stored.value,
            writes: stored.version,
            note: stored.description,
        }
    };
    assert_rollback_holds(&name, one_parameter(&param), ParameterWriter::new, held).await;
}
