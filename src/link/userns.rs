//! A user namespace for an ordinary user, so the link can be built without root.
//!
//! Inside a user namespace of its own, where uid 0 maps to the caller's own uid, the process
//! holds every capability over the namespaces it then makes: it can make network namespaces,
//! veth pairs and packet sockets, and set their sysctls, while outside it stays who it was.
//!
//! Invariant: this runs before the process has any other thread (the kernel refuses
//! `CLONE_NEWUSER` to a multi-threaded process), and a refusal names what is missing, in one
//! line.

use std::fs;
use std::io;

use super::LinkError;

/// Moves the whole process into a new user namespace; as root, does nothing.
pub fn enter() -> Result<(), LinkError> {
    // SAFETY: geteuid and getegid cannot fail.
    let (uid, gid) = unsafe { (libc::geteuid(), libc::getegid()) };
    if uid == 0 {
        return Ok(());
    }
    // SAFETY: unshare(2) with a flag constant; the process is single-threaded (see above).
    if unsafe { libc::unshare(libc::CLONE_NEWUSER) } != 0 {
        let error = io::Error::last_os_error();
        let sysctl = |path: &str| fs::read_to_string(path).ok().map(|value| value.trim().to_owned());
        return Err(LinkError::Unavailable(why_refused(&error, sysctl)));
    }
    let write = |path: &str, text: String| {
        fs::write(path, text).map_err(|error| {
            LinkError::Unavailable(format!(
                "cannot write {path} in a new user namespace ({error}); a security module may \
                 restrict user namespaces: run as root"
            ))
        })
    };
    // setgroups must be denied before an unprivileged process may write its gid_map.
    write("/proc/self/setgroups", "deny".into())?;
    write("/proc/self/uid_map", format!("0 {uid} 1"))?;
    write("/proc/self/gid_map", format!("0 {gid} 1"))
}

/// One line naming what stops an unprivileged user namespace here, and how to allow it;
/// `sysctl` reads a `/proc/sys` file.
fn why_refused(error: &io::Error, sysctl: impl Fn(&str) -> Option<String>) -> String {
    let fix = "run as root, or allow it with";
    match error.raw_os_error() {
        Some(libc::ENOSPC) if sysctl("/proc/sys/user/max_user_namespaces").as_deref() == Some("0") => {
            format!(
                "user namespaces are disabled (user.max_user_namespaces = 0): {fix} `sysctl -w user.max_user_namespaces=15000`"
            )
        }
        Some(libc::ENOSPC) => {
            format!(
                "the limit of user namespaces is reached (user.max_user_namespaces): {fix} a higher limit"
            )
        }
        Some(libc::EINVAL) => {
            "a user namespace must be made before any thread starts (an rttscope bug)".into()
        }
        _ if sysctl("/proc/sys/kernel/unprivileged_userns_clone").as_deref() == Some("0") => format!(
            "unprivileged user namespaces are disabled (kernel.unprivileged_userns_clone = 0): {fix} \
             `sysctl -w kernel.unprivileged_userns_clone=1`"
        ),
        _ if sysctl("/proc/sys/kernel/apparmor_restrict_unprivileged_userns").as_deref() == Some("1") => {
            format!(
                "AppArmor restricts unprivileged user namespaces \
                 (kernel.apparmor_restrict_unprivileged_userns = 1): {fix} \
                 `sysctl -w kernel.apparmor_restrict_unprivileged_userns=0`"
            )
        }
        _ => format!(
            "the system refuses this user a user namespace ({error}; a container's seccomp filter \
             or a security module may forbid it): run as root"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_refusal_names_the_setting_that_causes_it_in_one_line() {
        let with = |path: &'static str, value: &'static str| {
            move |asked: &str| (asked == path).then(|| value.to_owned())
        };
        let cases = [
            (libc::ENOSPC, with("/proc/sys/user/max_user_namespaces", "0"), "user.max_user_namespaces=15000"),
            (
                libc::EPERM,
                with("/proc/sys/kernel/unprivileged_userns_clone", "0"),
                "unprivileged_userns_clone=1",
            ),
            (
                libc::EPERM,
                with("/proc/sys/kernel/apparmor_restrict_unprivileged_userns", "1"),
                "apparmor_restrict_unprivileged_userns=0",
            ),
            (libc::EPERM, with("/nothing", ""), "seccomp"),
            (libc::EINVAL, with("/nothing", ""), "before any thread"),
        ];
        for (errno, sysctl, expected) in cases {
            let message = why_refused(&io::Error::from_raw_os_error(errno), sysctl);
            assert!(message.contains(expected), "{message}");
            assert!(!message.contains('\n'), "{message}");
        }
    }
}
