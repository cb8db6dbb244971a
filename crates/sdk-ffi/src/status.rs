//! What every call returns, the last error of the calling thread, and the guard that keeps
//! panics on the Rust side.

use std::{cell::RefCell, ffi::c_char, panic::AssertUnwindSafe};

use rally_sdk::Error;

use crate::text::to_c;

/// The outcome of a call.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RallyStatus {
    /// It worked.
    Ok = 0,
    /// [`crate::rally_poll_event`]: no event is waiting.
    NoEvent = 1,
    /// An argument was null, not UTF-8, or not what the call takes (an id that is not a UUID).
    InvalidArgument = -1,
    /// Rally refused the call; [`rally_last_error_code`] is its problem code.
    Api = -2,
    /// The login is over (refresh token reused or revoked, account banned): log in again.
    LoggedOut = -3,
    /// The call needs a logged-in player.
    NotLoggedIn = -4,
    /// Rally could not be reached.
    Transport = -5,
    /// Rally answered with something this SDK does not understand.
    Protocol = -6,
    /// The SDK panicked; a bug, to report with [`rally_last_error_message`].
    Panic = -7,
}

thread_local! {
    /// The code and message of the last failed call on this thread.
    static LAST_ERROR: RefCell<Option<(String, String)>> = const { RefCell::new(None) };
}

/// Records a failure for [`rally_last_error_code`] and [`rally_last_error_message`].
pub(crate) fn fail(status: RallyStatus, code: &str, message: String) -> RallyStatus {
    LAST_ERROR.with(|last| *last.borrow_mut() = Some((code.to_owned(), message)));
    status
}

/// The status of an SDK error, recorded as the last error.
pub(crate) fn fail_with(error: &Error) -> RallyStatus {
    let status = match error {
        Error::Api { .. } => RallyStatus::Api,
        Error::LoggedOut { .. } => RallyStatus::LoggedOut,
        Error::NotLoggedIn => RallyStatus::NotLoggedIn,
        Error::InvalidArgument(_) => RallyStatus::InvalidArgument,
        Error::Transport(_) => RallyStatus::Transport,
        _ => RallyStatus::Protocol,
    };
    fail(status, error.code(), error.to_string())
}

/// An argument the call cannot take.
pub(crate) fn invalid(message: impl Into<String>) -> RallyStatus {
    fail(
        RallyStatus::InvalidArgument,
        "invalid_argument",
        message.into(),
    )
}

/// Runs `call`, turning a panic into [`RallyStatus::Panic`].
pub(crate) fn guard(call: impl FnOnce() -> RallyStatus) -> RallyStatus {
    match std::panic::catch_unwind(AssertUnwindSafe(call)) {
        Ok(status) => status,
        Err(panic) => {
            let message = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic without a message".to_owned());
            fail(RallyStatus::Panic, "panic", message)
        }
    }
}

/// The stable code of the last failed call on this thread (`party_full`, `rate_limited`,
/// `transport`, ...), or null when none failed. Free it with [`crate::rally_string_free`].
#[unsafe(no_mangle)]
pub extern "C" fn rally_last_error_code() -> *mut c_char {
    LAST_ERROR.with(|last| {
        last.borrow()
            .as_ref()
            .map_or(std::ptr::null_mut(), |(code, _)| to_c(code))
    })
}

/// A readable message about the last failed call on this thread, or null when none failed.
/// Free it with [`crate::rally_string_free`].
#[unsafe(no_mangle)]
pub extern "C" fn rally_last_error_message() -> *mut c_char {
    LAST_ERROR.with(|last| {
        last.borrow()
            .as_ref()
            .map_or(std::ptr::null_mut(), |(_, message)| to_c(message))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::{from_c_owned, rally_string_free};

    #[test]
    fn a_panic_becomes_a_status_and_its_message_the_last_error() {
        let status = guard(|| panic!("a bug"));
        assert_eq!(status, RallyStatus::Panic);
        let code = rally_last_error_code();
        let message = rally_last_error_message();
        // SAFETY: both are strings this SDK returned, freed once.
        let (code, message) = unsafe { (from_c_owned(code), from_c_owned(message)) };
        assert_eq!(
            (code.as_deref(), message.as_deref()),
            (Some("panic"), Some("a bug"))
        );
        // SAFETY: null is always accepted.
        unsafe { rally_string_free(std::ptr::null_mut()) };
    }
}
