//! The docs' reference tables name exactly the code's closed lists: every step kind in
//! docs/plan.md's step table, every finding code in its finding table, every drift rule in
//! docs/gitops.md, every verify finding in docs/verify.md. A name added to the code without a
//! row, or a row left after a name is gone, fails here.

use std::collections::BTreeSet;

use orgtrail_core::drift::DriftRule;
use orgtrail_core::verify::FindingKind;
use orgtrail_core::{FindingCode, StepKind};
use orgtrail_testsupport::repo_root;

/// The `backticked` names in the first column of the table under `heading` in `doc`.
fn first_column(doc: &str, heading: &str) -> BTreeSet<String> {
    let text = std::fs::read_to_string(repo_root().join(doc)).unwrap();
    let table = text
        .split(heading)
        .nth(1)
        .unwrap_or_else(|| panic!("{doc}: no `{heading}`"));
    table
        .lines()
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        // The header row names no code in backticks; the separator row none either.
        .filter(|row| !row.starts_with("|---"))
        .flat_map(|row| {
            let first = row.split('|').nth(1).unwrap_or_default().to_string();
            first
                .split('`')
                .skip(1)
                .step_by(2)
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .collect()
}

fn names(list: impl IntoIterator<Item = &'static str>) -> BTreeSet<String> {
    list.into_iter().map(str::to_string).collect()
}

#[test]
fn the_docs_tables_list_exactly_the_codes_names() {
    let steps = first_column("docs/plan.md", "| step | call | when |");
    assert_eq!(
        steps,
        names(StepKind::ALL.iter().map(|k| k.as_str())),
        "docs/plan.md step table"
    );
    let codes = first_column("docs/plan.md", "### Every finding code");
    assert_eq!(
        codes,
        names(FindingCode::ALL.iter().map(|c| c.as_str())),
        "docs/plan.md finding codes"
    );
    let rules = first_column("docs/gitops.md", "| rule | severity | when |");
    assert_eq!(
        rules,
        names(DriftRule::ALL.iter().map(|r| r.as_str())),
        "docs/gitops.md drift rules"
    );
    let kinds = first_column("docs/verify.md", "## Findings and what to do");
    assert_eq!(
        kinds,
        names(FindingKind::ALL.iter().map(|k| k.as_str())),
        "docs/verify.md findings"
    );
}

/// `orgtrail man`: one page describing every subcommand in place (no references to
/// orgtrail-SUBCOMMAND(1) pages that do not exist) and the exit status.
#[test]
fn the_man_page_describes_every_subcommand_and_the_exit_status() {
    let out = std::process::Command::new(crate::BIN)
        .arg("man")
        .output()
        .unwrap();
    assert!(out.status.success());
    let page = String::from_utf8_lossy(&out.stdout);
    assert!(page.contains(".SH \"EXIT STATUS\""), "{page}");
    for sub in ["plan", "apply", "drift", "verify", "import", "iam\\-policy"] {
        assert!(
            page.contains(&format!("\\fBorgtrail {sub}\\fR")),
            "{sub}: {page}"
        );
    }
    assert!(
        !page.contains("orgtrail\\-plan(1)") && !page.contains("orgtrail-plan(1)"),
        "{page}"
    );
}

/// The offline subcommands list no AWS flag in their help; the ones that call AWS list them all.
#[test]
fn only_the_subcommands_that_call_aws_list_the_aws_flags() {
    let help = |sub: &str| {
        let out = std::process::Command::new(crate::BIN)
            .args([sub, "--help"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let aws_flags = [
        "--profile",
        "--region",
        "--endpoint-url",
        "--max-concurrency",
    ];
    for sub in ["validate", "schema", "man", "completions", "iam-policy"] {
        let text = help(sub);
        assert!(aws_flags.iter().all(|f| !text.contains(f)), "{sub}: {text}");
        assert!(text.contains("--no-color"), "{sub}: {text}");
    }
    for sub in ["plan", "apply", "drift", "import", "verify"] {
        let text = help(sub);
        assert!(aws_flags.iter().all(|f| text.contains(f)), "{sub}: {text}");
    }
}
