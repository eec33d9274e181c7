//! The one hex reader of the propagation formats: W3C `traceparent` fields (lowercase, fixed
//! width) and Jaeger ids (either case, 1 to 32 digits, left-padded).

/// Which letters a hex field may use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Letters {
    /// `0-9a-f` only (W3C Trace Context).
    Lowercase,
    /// `0-9a-fA-F`.
    EitherCase,
}

/// The value of one hex digit.
pub(crate) fn digit(c: u8, letters: Letters) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' if letters == Letters::EitherCase => Some(c - b'A' + 10),
        _ => None,
    }
}

/// 1 to 32 hex digits as a number, as if left-padded with zeros; `None` when `digits` is empty,
/// longer than 32 or holds anything but hex digits of `letters`.
///
/// A `+` or `-` sign is not a digit (unlike for `u128::from_str_radix`).
pub(crate) fn number(digits: &[u8], letters: Letters) -> Option<u128> {
    if digits.is_empty() || digits.len() > 32 {
        return None;
    }
    digits.iter().try_fold(0u128, |value, &c| {
        Some((value << 4) | u128::from(digit(c, letters)?))
    })
}

/// Exactly 2 hex digits.
pub(crate) fn byte(digits: &[u8], letters: Letters) -> Option<u8> {
    match digits {
        [high, low] => Some((digit(*high, letters)? << 4) | digit(*low, letters)?),
        _ => None,
    }
}

/// Exactly 16 hex digits.
pub(crate) fn u64_of_16(digits: &[u8], letters: Letters) -> Option<u64> {
    if digits.len() != 16 {
        return None;
    }
    number(digits, letters).and_then(|value| u64::try_from(value).ok())
}

/// Exactly 32 hex digits.
pub(crate) fn u128_of_32(digits: &[u8], letters: Letters) -> Option<u128> {
    if digits.len() != 32 {
        return None;
    }
    number(digits, letters)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Letters::{EitherCase, Lowercase};

    #[test]
    fn digits_and_case() {
        assert_eq!(digit(b'0', Lowercase), Some(0));
        assert_eq!(digit(b'f', Lowercase), Some(15));
        assert_eq!(digit(b'F', Lowercase), None);
        assert_eq!(digit(b'F', EitherCase), Some(15));
        for c in [b'g', b'G', b'+', b'-', b' ', b'x', 0xc3] {
            assert_eq!(digit(c, EitherCase), None, "{c:#x}");
        }
    }

    #[test]
    fn numbers_are_left_padded_and_bounded() {
        assert_eq!(number(b"a", EitherCase), Some(0xa));
        assert_eq!(
            number(b"00f067aa0ba902b7", Lowercase),
            Some(0x00f0_67aa_0ba9_02b7)
        );
        assert_eq!(number(&[b'f'; 32], Lowercase), Some(u128::MAX));
        assert_eq!(number(&[b'f'; 33], Lowercase), None);
        assert_eq!(number(b"", Lowercase), None);
        // What `from_str_radix` would accept.
        assert_eq!(number(b"+a", EitherCase), None);
        assert_eq!(number(b"-1", EitherCase), None);
    }

    #[test]
    fn fixed_widths() {
        assert_eq!(byte(b"0A", EitherCase), Some(10));
        assert_eq!(byte(b"0A", Lowercase), None);
        assert_eq!(byte(b"+a", EitherCase), None);
        assert_eq!(byte(b"1", Lowercase), None);
        assert_eq!(byte(b"123", Lowercase), None);
        assert_eq!(u64_of_16(b"ffffffffffffffff", Lowercase), Some(u64::MAX));
        assert_eq!(u64_of_16(b"fffffffffffffff", Lowercase), None);
        assert_eq!(
            u128_of_32(&[b'1'; 32], Lowercase),
            Some(0x1111_1111_1111_1111_1111_1111_1111_1111)
        );
        assert_eq!(u128_of_32(&[b'1'; 31], Lowercase), None);
    }
}
