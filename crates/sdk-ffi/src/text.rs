//! C strings across the boundary: borrowed from the caller, or handed to the caller to free.

use std::ffi::{CStr, CString, c_char};

use uuid::Uuid;

/// A caller's string, borrowed for the call; `None` when null or not UTF-8.
///
/// # Safety
/// `text` is null or points to a NUL-terminated string that lives through the call.
pub(crate) unsafe fn from_c<'a>(text: *const c_char) -> Option<&'a str> {
    if text.is_null() {
        return None;
    }
    // SAFETY: non-null, and NUL-terminated and alive by the caller's promise.
    unsafe { CStr::from_ptr(text) }.to_str().ok()
}

/// A caller's UUID string.
///
/// # Safety
/// As [`from_c`].
pub(crate) unsafe fn uuid_from_c(text: *const c_char) -> Option<Uuid> {
    // SAFETY: the caller's promise, passed on.
    unsafe { from_c(text) }.and_then(|t| t.parse().ok())
}

/// A string for the caller to free with [`rally_string_free`]. Interior NULs, which C cannot
/// hold, are dropped.
pub(crate) fn to_c(text: &str) -> *mut c_char {
    let bytes: Vec<u8> = text.bytes().filter(|b| *b != 0).collect();
    CString::new(bytes)
        .expect("BUG: NUL bytes were removed")
        .into_raw()
}

/// An optional string for the caller: null when absent.
pub(crate) fn opt_to_c(text: Option<&str>) -> *mut c_char {
    text.map_or(std::ptr::null_mut(), to_c)
}

/// Takes back a string made by [`to_c`], for tests.
///
/// # Safety
/// `text` is null or came from [`to_c`] and was not freed.
#[cfg(test)]
pub(crate) unsafe fn from_c_owned(text: *mut c_char) -> Option<String> {
    if text.is_null() {
        return None;
    }
    // SAFETY: made by CString::into_raw, not freed, by the caller's promise.
    let owned = unsafe { CString::from_raw(text) };
    owned.into_string().ok()
}

/// Frees a string the SDK returned. Null is ignored.
///
/// # Safety
/// `text` is null or a string returned by this SDK, not freed before.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rally_string_free(text: *mut c_char) {
    if !text.is_null() {
        // SAFETY: made by CString::into_raw and not freed, by the caller's promise.
        drop(unsafe { CString::from_raw(text) });
    }
}
