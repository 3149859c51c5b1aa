//! The completions in `completions/` and the man page in `man/` are what
//! `ssecat --generate KIND` prints now: a change to the clap definition
//! that is not regenerated fails here. `SSECAT_REGENERATE=1 cargo test`
//! rewrites them instead.

use super::support::{note, ssecat, TIMEOUT};
use std::path::{Path, PathBuf};

/// The environment variable that makes the test rewrite the files.
const REGENERATE: &str = "SSECAT_REGENERATE";

/// Each `--generate` kind and the file that holds its output.
const GENERATED: [(&str, &str); 8] = [
    ("bash", "completions/ssecat.bash"),
    ("zsh", "completions/_ssecat"),
    ("fish", "completions/ssecat.fish"),
    ("powershell", "completions/_ssecat.ps1"),
    ("elvish", "completions/ssecat.elv"),
    ("man", "man/ssecat.1"),
    ("man-serve", "man/ssecat-serve.1"),
    ("man-bench", "man/ssecat-bench.1"),
];

fn in_repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// What `ssecat --generate kind` prints (checked to succeed quietly).
fn generate(kind: &str) -> String {
    let output = ssecat().args(["--generate", kind]).output().unwrap();
    assert!(
        output.status.success() && output.stderr.is_empty(),
        "ssecat --generate {kind}: {output:?}"
    );
    String::from_utf8(output.stdout).expect("generated text is UTF-8")
}

/// Where two texts first differ, for the failure message.
fn first_difference(checked_in: &str, generated: &str) -> String {
    let old: Vec<&str> = checked_in.lines().collect();
    let new: Vec<&str> = generated.lines().collect();
    let end = "(end of file)";
    match (0..old.len().max(new.len())).find(|&i| old.get(i) != new.get(i)) {
        Some(i) => format!(
            "first difference at line {}:\n    checked in: {}\n    generated:  {}",
            i + 1,
            old.get(i).unwrap_or(&end),
            new.get(i).unwrap_or(&end)
        ),
        None => "the same lines with other line endings".to_owned(),
    }
}

#[test]
fn completions_and_man_page_are_generated_from_the_current_definition() {
    let rewrite = std::env::var_os(REGENERATE).is_some_and(|value| value == "1");
    let mut stale = Vec::new();
    for (kind, path) in GENERATED {
        let generated = generate(kind);
        assert!(
            generated.len() > 500,
            "--generate {kind} printed {generated:?}"
        );
        let file = in_repo(path);
        let checked_in = std::fs::read_to_string(&file).unwrap_or_default();
        if checked_in == generated {
            continue;
        }
        if rewrite {
            std::fs::create_dir_all(file.parent().unwrap()).unwrap();
            std::fs::write(&file, &generated).unwrap();
            eprintln!("rewrote {path} (ssecat --generate {kind})");
        } else {
            let difference = first_difference(&checked_in, &generated);
            stale.push(format!("{path} (ssecat --generate {kind}), {difference}"));
        }
    }
    assert!(
        stale.is_empty(),
        "out of date:\n  {}\nRewrite them with `{REGENERATE}=1 cargo test --test cli generated`, \
         then review `git diff completions man`.",
        stale.join("\n  ")
    );
}

#[test]
fn completions_offer_colour_as_well_as_color_and_help_keeps_it_in_words() {
    for (kind, offered) in [
        ("bash", " --colour "),
        ("zsh", "\n'--colour=["),
        ("fish", " -l color -l colour "),
        ("powershell", "::new('--colour', '--colour'"),
        ("elvish", "cand --colour "),
    ] {
        let completions = generate(kind);
        assert!(completions.contains(offered), "{kind}: {completions}");
    }
    // In bash, the spelling takes the values too.
    assert!(generate("bash").contains("--colour)\n"));
    // An alias help and the man page do not list: -h keeps one line an
    // option, and the long help says it.
    let help = ssecat().args(["--help"]).env("COLUMNS", "100").output();
    let help = String::from_utf8(help.unwrap().stdout).unwrap();
    assert!(!help.contains("alias"), "{help}");
    assert!(help.contains("--colour works too"), "{help}");
    assert!(!generate("man").contains("alias"));
}

#[test]
fn generate_goes_alone_and_the_url_is_required_without_it() {
    for args in [
        &["--generate", "bash", "x.sse"][..],
        &["--generate", "man", "--text"],
    ] {
        let output = ssecat().args(args).output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}: {output:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("cannot be used with"), "{stderr}");
    }
    let output = ssecat().arg("--text").output().unwrap();
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("required arguments were not provided"),
        "{stderr}"
    );
    assert!(stderr.contains("<URL|FILE>"), "{stderr}");
}

#[test]
fn the_generated_files_are_valid_for_their_tools() {
    let checks: [(&str, &[&str], &str); 3] = [
        ("bash", &["-n"], "bash"),
        ("zsh", &["-n"], "zsh"),
        // -ww: every warning; -z: no output, only the diagnostics.
        ("groff", &["-K", "utf8", "-man", "-ww", "-z"], "man"),
    ];
    for (tool, args, kind) in checks {
        let run = assert_cmd::Command::new(tool)
            .args(args)
            .write_stdin(generate(kind))
            .timeout(TIMEOUT)
            .output();
        let output = match run {
            Ok(output) => output,
            Err(err) => {
                note(format_args!(
                    "SKIPPED: {tool} cannot check --generate {kind}: {err}\n"
                ));
                continue;
            }
        };
        assert!(
            output.status.success() && output.stderr.is_empty(),
            "{tool} {args:?} on --generate {kind}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

#[test]
fn the_guides_exit_code_table_has_every_code_in_order() {
    let guide = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/GUIDE.md"),
    )
    .unwrap();
    let section = guide
        .split("\n## Exit codes\n")
        .nth(1)
        .expect("the guide has an Exit codes section");
    let listed: Vec<u8> = section
        .lines()
        .take_while(|line| !line.starts_with("## "))
        .filter_map(|line| line.strip_prefix("| "))
        .filter_map(|row| row.split(" |").next()?.trim().parse().ok())
        .collect();
    let codes: Vec<u8> = ssecat::exit_code::Code::ALL
        .iter()
        .map(|code| code.number())
        .collect();
    assert_eq!(listed, codes);
}
