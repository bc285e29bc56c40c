"""Checks what `sam build` reads from template.yaml against the Cargo workspace, without building:
every function is built by cargo-lambda from the workspace root, as a binary some workspace member
declares, for provided.al2023 and the stack's Architecture. (`bash scripts/sam-build.sh` builds the
bootstraps for real; CI leaves that release build out for time.) Run with scripts/test-templates.sh."""

import tomllib

from stack import FUNCTIONS, ROOT, resources


def workspace_binaries() -> dict[str, str]:
    """Every binary a workspace member declares: its name and its member's folder."""
    workspace = tomllib.loads((ROOT / "Cargo.toml").read_text())
    binaries = {}
    for member in workspace["workspace"]["members"]:
        manifest = tomllib.loads((ROOT / member / "Cargo.toml").read_text())
        declared = [b["name"] for b in manifest.get("bin", [])]
        if not declared and (ROOT / member / "src" / "main.rs").exists():
            declared = [manifest["package"]["name"]]
        binaries.update({name: member for name in declared})
    return binaries


def test_every_function_is_a_workspace_binary_built_by_cargo_lambda(home):
    functions = resources(home, "AWS::Serverless::Function")
    assert set(functions) == set(FUNCTIONS)
    binaries = workspace_binaries()
    built = set()
    for name, function in functions.items():
        metadata = function["Metadata"]
        assert metadata["BuildMethod"] == "rust-cargolambda", name
        binary = metadata["BuildProperties"]["Binary"]
        assert binary in binaries, f"{name}: no workspace member declares the binary {binary}"
        assert binaries[binary].startswith("functions/"), (name, binaries[binary])
        # The workspace root: one Cargo.lock and one target/ for every function.
        assert function["Properties"].get("CodeUri", home["Globals"]["Function"].get("CodeUri")) == ".", name
        built.add(binary)
    assert len(built) == len(functions), "each function its own binary"


def test_functions_run_on_al2023_with_the_bootstrap_for_the_chosen_architecture(home):
    function = home["Globals"]["Function"]
    assert function["Runtime"] == "provided.al2023"
    assert function["Handler"] == "bootstrap"
    assert function["Architectures"] == [{"Ref": "Architecture"}]
    assert set(home["Parameters"]["Architecture"]["AllowedValues"]) == {"arm64", "x86_64"}


def test_every_function_binary_is_linked_without_pie(home):
    """Each function crate's build script is functions/link.rs, which links its binary -no-pie on
    Linux (a third of a cold start's init CPU was the loader relocating a PIE: docs/benchmarks.md)."""
    binaries = workspace_binaries()
    link = ROOT / "functions" / "link.rs"
    assert 'cargo:rustc-link-arg-bins=-no-pie' in link.read_text()
    for name, function in resources(home, "AWS::Serverless::Function").items():
        member = ROOT / binaries[function["Metadata"]["BuildProperties"]["Binary"]]
        manifest = tomllib.loads((member / "Cargo.toml").read_text())
        assert (member / manifest["package"].get("build", "build.rs")).resolve() == link.resolve(), name
