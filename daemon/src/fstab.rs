//! `mount.fuse.outlayerd`: outlayerd as mount(8)'s helper for `-t fuse.outlayerd`, so
//! `mount -t fuse.outlayerd outlayerd /near/state -o data_dir=/var/lib/outlayer,ro` and the
//! same line in /etc/fstab work. The installer links the helper name to the binary; called
//! by that name, the binary turns mount(8)'s calling convention
//! (`SOURCE MOUNTPOINT [-sfnvrw] [-o OPTIONS]`) into `outlayerd mount --background ...`.
//!
//! Options: `data_dir=DIR` (else a SOURCE that is an absolute path, else the default data
//! directory), `ro`/`rw`, `allow_other`, `threads=N`, `9p_socket=PATH`. The ones mount(8)
//! and fstab use for themselves (`defaults`, `noauto`, `nofail`, `_netdev`, `x-*`, ...)
//! and those the mount always has (`nodev`, `nosuid`) are accepted and ignored; any other
//! is an error, or a warning with `-s` (sloppy). Logging is `warn` unless `OUTLAYER_LOG` or
//! `RUST_LOG` says otherwise; failures exit 32, mount(8)'s "mount failure".

use std::ffi::OsString;
use std::path::Path;

/// The name mount(8) looks for: `mount.<type>` with the type `fuse.outlayerd`.
pub const HELPER_NAME: &str = "mount.fuse.outlayerd";

/// True when the binary was started under the helper name.
pub fn invoked_as_helper(argv0: &std::ffi::OsStr) -> bool {
    Path::new(argv0).file_name() == Some(HELPER_NAME.as_ref())
}

/// What a helper invocation means.
#[derive(Debug, PartialEq, Eq)]
pub enum HelperCall {
    /// Run `outlayerd` with these arguments.
    Mount(Vec<OsString>),
    /// `-f` (fake): do nothing and succeed.
    Fake,
}

/// Options of mount(8) and fstab, and options every mount has anyway.
fn ignored(option: &str) -> bool {
    const IGNORED: [&str; 15] = [
        "defaults",
        "auto",
        "noauto",
        "nofail",
        "_netdev",
        "nodev",
        "nosuid",
        "atime",
        "noatime",
        "relatime",
        "strictatime",
        "nodiratime",
        "async",
        "user",
        "nouser",
    ];
    IGNORED.contains(&option) || option.starts_with("x-") || option.starts_with("comment=")
}

/// Translates mount(8)'s call (`args` without argv[0]) into `outlayerd` arguments.
pub fn translate(args: &[OsString]) -> Result<HelperCall, String> {
    let mut positional = Vec::new();
    let mut options = Vec::new();
    let (mut sloppy, mut fake, mut read_only) = (false, false, false);
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let Some(text) = arg.to_str() else {
            positional.push(arg.clone());
            continue;
        };
        match text {
            "-o" => {
                let value = it.next().ok_or("-o needs a value")?;
                let value = value.to_str().ok_or("-o: options are not UTF-8")?;
                options.extend(
                    value
                        .split(',')
                        .filter(|o| !o.is_empty())
                        .map(str::to_owned),
                );
            }
            "-t" => {
                it.next().ok_or("-t needs a value")?;
            }
            "-N" => return Err("-N (another mount namespace) is not supported".into()),
            flags if flags.starts_with('-') && flags.len() > 1 => {
                for flag in flags[1..].chars() {
                    match flag {
                        's' => sloppy = true,
                        'f' => fake = true,
                        'r' => read_only = true,
                        'n' | 'v' | 'w' => {}
                        other => return Err(format!("unknown flag -{other}")),
                    }
                }
            }
            _ => positional.push(arg.clone()),
        }
    }
    let [source, mountpoint] = <[OsString; 2]>::try_from(positional)
        .map_err(|p| format!("expected SOURCE and MOUNTPOINT, got {} arguments", p.len()))?;
    if fake {
        return Ok(HelperCall::Fake);
    }

    let mut data_dir = Path::new(&source).is_absolute().then(|| source.clone());
    let mut mount_args: Vec<OsString> = vec!["--background".into()];
    for option in &options {
        let (key, value) = match option.split_once('=') {
            Some((k, v)) => (k, Some(v)),
            None => (option.as_str(), None),
        };
        match (key, value) {
            ("data_dir", Some(dir)) if !dir.is_empty() => data_dir = Some(dir.into()),
            ("ro", None) => read_only = true,
            ("rw", None) => read_only = false,
            ("allow_other", None) => mount_args.push("--allow-other".into()),
            ("threads", Some(n)) => mount_args.extend(["--threads".into(), n.into()]),
            ("9p_socket", Some(path)) => mount_args.extend(["--9p-socket".into(), path.into()]),
            _ if ignored(option) => {}
            // Logging is not set up yet: this runs before the command line is parsed.
            _ if sloppy => eprintln!("{HELPER_NAME}: ignoring unknown option {option:?} (-s)"),
            _ => return Err(format!("unknown mount option {option:?}")),
        }
    }
    if read_only {
        mount_args.push("--read-only".into());
    }

    let mut out: Vec<OsString> = vec!["outlayerd".into()];
    // Quiet like other mount helpers, unless the environment asks for more.
    if std::env::var_os("OUTLAYER_LOG").is_none() && std::env::var_os("RUST_LOG").is_none() {
        out.extend(["--log-level".into(), "warn".into()]);
    }
    if let Some(dir) = data_dir {
        out.extend(["--data-dir".into(), dir]);
    }
    out.extend(["mount".into(), mountpoint]);
    out.extend(mount_args);
    Ok(HelperCall::Mount(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(args: &[&str]) -> Result<HelperCall, String> {
        translate(&args.iter().map(OsString::from).collect::<Vec<_>>())
    }

    fn mount(args: &[&str]) -> Vec<String> {
        match call(args) {
            Ok(HelperCall::Mount(a)) => {
                let a: Vec<String> = a
                    .into_iter()
                    .map(|s| s.into_string().unwrap_or_default())
                    .collect();
                // The test process's environment decides the log level; not what is tested.
                let text = a.join(" ").replace(" --log-level warn", "");
                text.split(' ').map(str::to_owned).collect()
            }
            other => panic!("{args:?}: {other:?}"),
        }
    }

    #[test]
    fn the_issue_example_becomes_a_background_read_only_mount() {
        assert_eq!(
            mount(&[
                "outlayerd",
                "/near/state",
                "-o",
                "rw,data_dir=/var/lib/outlayer,ro"
            ]),
            [
                "outlayerd",
                "--data-dir",
                "/var/lib/outlayer",
                "mount",
                "/near/state",
                "--background",
                "--read-only"
            ]
        );
    }

    #[test]
    fn fstab_options_are_ignored_and_a_path_source_is_the_data_dir() {
        assert_eq!(
            mount(&[
                "/srv/state",
                "/mnt",
                "-n",
                "-o",
                "defaults,noauto,nofail,x-systemd.requires=a,allow_other,threads=2"
            ]),
            [
                "outlayerd",
                "--data-dir",
                "/srv/state",
                "mount",
                "/mnt",
                "--background",
                "--allow-other",
                "--threads",
                "2"
            ]
        );
    }

    #[test]
    fn unknown_options_fail_unless_sloppy() {
        let e = call(&["outlayerd", "/mnt", "-o", "suid"]).expect_err("suid is unknown");
        assert!(e.contains("\"suid\""), "{e}");
        assert!(matches!(
            call(&["outlayerd", "/mnt", "-s", "-o", "suid"]),
            Ok(HelperCall::Mount(_))
        ));
        assert!(call(&["outlayerd"])
            .expect_err("one argument")
            .contains("SOURCE and MOUNTPOINT"));
        assert_eq!(call(&["outlayerd", "/mnt", "-fv"]), Ok(HelperCall::Fake));
    }

    #[test]
    fn only_the_helper_names_count() {
        assert!(invoked_as_helper("/sbin/mount.fuse.outlayerd".as_ref()));
        assert!(invoked_as_helper("mount.fuse.outlayerd".as_ref()));
        assert!(!invoked_as_helper("/usr/bin/outlayerd".as_ref()));
    }
}
