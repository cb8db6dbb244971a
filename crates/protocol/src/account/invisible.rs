//! Characters that show nothing: Unicode's format characters (general category Cf: zero-width
//! spaces and joiners, bidirectional overrides, the byte-order mark...) and the blank letters
//! and selectors that render as empty space (Hangul fillers, the Braille blank, variation
//! selectors). A name built from them, or carrying a bidirectional override, lets one player
//! pose as another in listings.
//!
//! The format ranges are those of Unicode 15.1's `DerivedGeneralCategory.txt` for `Cf`.

/// Unicode's format characters (general category Cf), as inclusive ranges.
const FORMAT: &[(u32, u32)] = &[
    (0x00AD, 0x00AD),
    (0x0600, 0x0605),
    (0x061C, 0x061C),
    (0x06DD, 0x06DD),
    (0x070F, 0x070F),
    (0x0890, 0x0891),
    (0x08E2, 0x08E2),
    (0x180E, 0x180E),
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x2064),
    (0x2066, 0x206F),
    (0xFEFF, 0xFEFF),
    (0xFFF9, 0xFFFB),
    (0x110BD, 0x110BD),
    (0x110CD, 0x110CD),
    (0x13430, 0x1343F),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0001, 0xE0001),
    (0xE0020, 0xE007F),
];

/// Characters of other categories that render as nothing or as blank space.
const BLANK: &[(u32, u32)] = &[
    (0x034F, 0x034F),   // combining grapheme joiner
    (0x115F, 0x1160),   // Hangul choseong and jungseong fillers
    (0x17B4, 0x17B5),   // Khmer inherent vowels
    (0x180B, 0x180D),   // Mongolian free variation selectors
    (0x180F, 0x180F),   // Mongolian free variation selector four
    (0x2800, 0x2800),   // Braille pattern blank
    (0x3164, 0x3164),   // Hangul filler
    (0xFE00, 0xFE0F),   // variation selectors
    (0xFFA0, 0xFFA0),   // halfwidth Hangul filler
    (0xE0100, 0xE01EF), // variation selectors supplement
];

fn within(ranges: &[(u32, u32)], c: char) -> bool {
    let c = u32::from(c);
    ranges.iter().any(|&(low, high)| (low..=high).contains(&c))
}

/// Whether `c` is a format character (general category Cf).
pub fn is_format(c: char) -> bool {
    within(FORMAT, c)
}

/// Whether `c` shows nothing: whitespace, a format character or a blank letter.
pub fn is_invisible(c: char) -> bool {
    c.is_whitespace() || is_format(c) || within(BLANK, c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_characters_used_to_pose_as_others_are_caught() {
        for c in ['\u{200B}', '\u{202E}', '\u{FEFF}', '\u{2066}', '\u{00AD}'] {
            assert!(is_format(c), "{c:?}");
        }
        for c in [
            '\u{3164}', '\u{115F}', '\u{2800}', '\u{FE0F}', ' ', '\u{3000}',
        ] {
            assert!(is_invisible(c) && !is_format(c), "{c:?}");
        }
        for c in ['a', 'é', '日', '😀', '-'] {
            assert!(!is_invisible(c), "{c:?}");
        }
    }
}
