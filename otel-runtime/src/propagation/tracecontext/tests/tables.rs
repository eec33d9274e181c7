//! The table-driven rows: `traceparent`, `tracestate`, and 64 KiB headers.

use super::*;

#[rustfmt::skip]
pub(super) fn traceparent_cases() -> Vec<Case> {
    use Expect::Invalid;
    let ts: &[&str] = &["foo=bar"];
    let upper_tid = TID.to_uppercase();
    let upper_sid = "00F067AA0BA902B7";
    vec![
        // Presence and repetition.
        case("valid, sampled", &[TP], ts, parent(0x01, "foo=bar")),
        case("no traceparent at all", &[], ts, Invalid),
        case("empty traceparent", &[""], ts, Invalid),
        case("whitespace-only traceparent", &[" \t "], ts, Invalid),
        case("two identical traceparent values", &[TP, TP], ts, Invalid),
        case("two different traceparent values", &[TP, &tp("00", TID, "b7ad6b7169203331", "01")], ts, Invalid),
        case("valid and empty traceparent values", &[TP, ""], ts, Invalid),
        case("valid and garbage traceparent values", &["garbage", TP], ts, Invalid),
        case("two values combined into one line", &[&format!("{TP},{TP}")], ts, Invalid),
        // OWS.
        case("leading and trailing spaces", &[&format!("  {TP}  ")], ts, parent(0x01, "foo=bar")),
        case("leading and trailing tabs", &[&format!("\t{TP}\t")], ts, parent(0x01, "foo=bar")),
        case("mixed OWS", &[&format!(" \t \t{TP}\t \t ")], ts, parent(0x01, "foo=bar")),
        case("trailing CRLF is not OWS", &[&format!("{TP}\r\n")], ts, Invalid),
        case("leading newline is not OWS", &[&format!("\n{TP}")], ts, Invalid),
        case("space inside the value", &[&tp("00", TID, &format!(" {}", &SID[1..]), "01")], ts, Invalid),
        case("space after a dash", &[&format!("00- {TID}-{SID}-01")], ts, Invalid),
        // Flags.
        case("unsampled propagates", &[&tp("00", TID, SID, "00")], ts, parent(0x00, "foo=bar")),
        case("random flag kept", &[&tp("00", TID, SID, "02")], ts, parent(0x02, "foo=bar")),
        case("sampled and random kept", &[&tp("00", TID, SID, "03")], ts, parent(0x03, "foo=bar")),
        case("unknown flag 04 cleared", &[&tp("00", TID, SID, "04")], ts, parent(0x00, "foo=bar")),
        case("unknown flag 08 cleared, sampled kept", &[&tp("00", TID, SID, "09")], ts, parent(0x01, "foo=bar")),
        case("all flags: only 01 and 02 kept", &[&tp("00", TID, SID, "ff")], ts, parent(0x03, "foo=bar")),
        case("flags fe: random kept", &[&tp("00", TID, SID, "fe")], ts, parent(0x02, "foo=bar")),
        case("upper-case flags", &[&tp("00", TID, SID, "0A")], ts, Invalid),
        case("non-hex flags", &[&tp("00", TID, SID, "0g")], ts, Invalid),
        case("one-digit flags", &[&tp("00", TID, SID, "1")], ts, Invalid),
        case("three-digit flags", &[&tp("00", TID, SID, "010")], ts, Invalid),
        case("missing flags", &[&format!("00-{TID}-{SID}")], ts, Invalid),
        case("empty flags", &[&format!("00-{TID}-{SID}-")], ts, Invalid),
        // Version.
        case("version ff", &[&tp("ff", TID, SID, "01")], ts, Invalid),
        case("version ff with future suffix", &[&format!("{}-extra", tp("ff", TID, SID, "01"))], ts, Invalid),
        case("version 00 with trailing data", &[&format!("{TP}-what-the-future-will-be-like")], ts, Invalid),
        case("version 00 with a trailing dash", &[&format!("{TP}-")], ts, Invalid),
        case("version 00 with a trailing character", &[&format!("{TP}x")], ts, Invalid),
        case("upper-case version", &[&tp("0A", TID, SID, "01")], ts, Invalid),
        case("upper-case future version", &[&tp("CC", TID, SID, "01")], ts, Invalid),
        case("non-hex version", &[&tp("0g", TID, SID, "01")], ts, Invalid),
        case("bogus version", &[&tp("qw", TID, SID, "01")], ts, Invalid),
        case("one-digit version", &[&tp("0", TID, SID, "01")], ts, Invalid),
        case("three-digit version", &[&tp("000", TID, SID, "01")], ts, Invalid),
        case("negative version", &[&tp("-1", TID, SID, "01")], ts, Invalid),
        // Future versions.
        case("future version cc, exact length", &[&tp("cc", TID, SID, "01")], ts, parent(0x01, "foo=bar")),
        case("future version cc with extra fields", &[&format!("{}-what-the-future-will-be-like", tp("cc", TID, SID, "01"))], ts, parent(0x01, "foo=bar")),
        case("future version cc with a trailing dash", &[&format!("{}-", tp("cc", TID, SID, "01"))], ts, parent(0x01, "foo=bar")),
        case("future version cc, extra data without dash", &[&format!("{}.what-the-future-will-be-like", tp("cc", TID, SID, "01"))], ts, Invalid),
        case("future version cc, longer flags", &[&tp("cc", TID, SID, "012")], ts, Invalid),
        case("future version 01, flags masked", &[&format!("{}-x", tp("01", TID, SID, "ff"))], ts, parent(0x03, "foo=bar")),
        case("future version fe", &[&tp("fe", TID, SID, "00")], ts, parent(0x00, "foo=bar")),
        case("future version, unsampled with tracestate", &[&tp("cc", TID, SID, "00")], &["a=1", "b=2"], parent(0x00, "a=1,b=2")),
        case("future version, all-zero trace-id", &[&tp("cc", &"0".repeat(32), SID, "01")], ts, Invalid),
        case("future version, upper-case trace-id", &[&tp("cc", &upper_tid, SID, "01")], ts, Invalid),
        case("future version, too short", &[&format!("cc-{TID}-{SID}-0")], ts, Invalid),
        case("future version, multi-byte char at the end", &[&format!("cc-{TID}-{SID}-01\u{e9}")], ts, Invalid),
        // Trace-id.
        case("all-zero trace-id", &[&tp("00", &"0".repeat(32), SID, "01")], ts, Invalid),
        case("trace-id 31 digits", &[&tp("00", &TID[1..], SID, "01")], ts, Invalid),
        case("trace-id 33 digits", &[&tp("00", &format!("{TID}0"), SID, "01")], ts, Invalid),
        case("trace-id 34 digits, span-id 14", &[&tp("00", &format!("ab{TID}"), &SID[2..], "01")], ts, Invalid),
        case("upper-case trace-id", &[&tp("00", &upper_tid, SID, "01")], ts, Invalid),
        case("one upper-case trace-id digit", &[&tp("00", &format!("{}A", &TID[..31]), SID, "01")], ts, Invalid),
        case("non-hex trace-id", &[&tp("00", &format!("{}g", &TID[..31]), SID, "01")], ts, Invalid),
        case("non-ASCII trace-id", &[&tp("00", &format!("{}\u{e9}", &TID[..30]), SID, "01")], ts, Invalid),
        case("trace-id ending in 1 is valid", &[&tp("00", &format!("{}1", "0".repeat(31)), SID, "01")], ts,
             Expect::Parent { trace_id: 1, span_id: SPAN_ID, flags: 1, tracestate: "foo=bar".to_owned() }),
        case("max trace-id and parent-id", &[&tp("00", &"f".repeat(32), &"f".repeat(16), "01")], ts,
             Expect::Parent { trace_id: u128::MAX, span_id: u64::MAX, flags: 1, tracestate: "foo=bar".to_owned() }),
        // Parent-id.
        case("all-zero parent-id", &[&tp("00", TID, &"0".repeat(16), "01")], ts, Invalid),
        case("all-zero trace-id and parent-id", &[&tp("00", &"0".repeat(32), &"0".repeat(16), "01")], ts, Invalid),
        case("parent-id 15 digits", &[&tp("00", TID, &SID[1..], "01")], ts, Invalid),
        case("parent-id 17 digits", &[&tp("00", TID, &format!("{SID}0"), "01")], ts, Invalid),
        case("upper-case parent-id", &[&tp("00", TID, upper_sid, "01")], ts, Invalid),
        case("non-hex parent-id", &[&tp("00", TID, "00f067aa0ba902bz", "01")], ts, Invalid),
        // Layout.
        case("underscores instead of dashes", &[&format!("00_{TID}_{SID}_01")], ts, Invalid),
        case("missing delimiter", &[&format!("00{TID}-{SID}-01-")], ts, Invalid),
        case("54 characters", &[&TP[..54]], ts, Invalid),
        case("only a version", &["00"], ts, Invalid),
        case("only dashes", &[&"-".repeat(55)], ts, Invalid),
        case("multi-byte characters, 55 bytes", &[&format!("00-{TID}-{}\u{e9}-01", &SID[..14])], ts, Invalid),
        // Invalid traceparent: tracestate is not propagated.
        case("invalid traceparent drops tracestate", &[&tp("00", &upper_tid, SID, "01")], &["foo=bar", "a=b"], Invalid),
        case("missing traceparent ignores tracestate", &[], &["foo=bar"], Invalid),
    ]
}

#[rustfmt::skip]
pub(super) fn tracestate_cases() -> Vec<Case> {
    let s = |tracestate: &str| parent(0x01, tracestate);
    let dropped = s("");
    let all_chars: String = (0x20u8..=0x7e)
        .filter(|c| !matches!(c, b',' | b'='))
        .map(char::from)
        .collect();
    let key256 = format!("a{}", "z".repeat(255));
    let key257 = format!("a{}", "z".repeat(256));
    let value256 = "v".repeat(256);
    let value257 = "v".repeat(257);
    let before_at_242 = format!("{}@v", "t".repeat(242)); // Level 1's tenant-id stopped at 241
    let key_at_256 = format!("{}@{}", "t".repeat(241), "v".repeat(14));
    let key_at_257 = format!("{}@{}", "t".repeat(242), "v".repeat(14));
    let v14 = "v".repeat(14);
    let m32 = members(1..=32).join(",");
    let m33 = members(1..=33).join(",");
    vec![
        // Basics and order.
        case("single member", &[TP], &["foo=bar"], s("foo=bar")),
        case("members keep their order", &[TP], &["rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"], s("rojo=00f067aa0ba902b7,congo=t61rcWkgMzE")),
        case("no tracestate header", &[TP], &[], dropped.clone()),
        case("empty tracestate header", &[TP], &[""], dropped.clone()),
        case("whitespace-only tracestate header", &[TP], &[" \t "], dropped.clone()),
        case("commas only", &[TP], &[",, , \t,"], dropped.clone()),
        // Several header lines.
        case("two lines joined in order", &[TP], &["foo=1", "bar=2"], s("foo=1,bar=2")),
        case("three lines joined in order", &[TP], &["c=3,b=2", "a=1", "z=0"], s("c=3,b=2,a=1,z=0")),
        case("member, then empty line", &[TP], &["foo=1", ""], s("foo=1")),
        case("empty line, then member", &[TP], &["", "foo=1"], s("foo=1")),
        case("lines with trailing and leading commas", &[TP], &["foo=1,", ",bar=2"], s("foo=1,bar=2")),
        case("lines with OWS only", &[TP], &["foo=1", " \t", "bar=2"], s("foo=1,bar=2")),
        // Empty members and OWS.
        case("empty member in the middle", &[TP], &["foo=1,,bar=2"], s("foo=1,bar=2")),
        case("leading and trailing empty members", &[TP], &[",foo=1,"], s("foo=1")),
        case("whitespace-only members", &[TP], &[" , \t,foo=1, \t ,bar=2 ,, "], s("foo=1,bar=2")),
        case("OWS around members", &[TP], &["foo=1 \t , \t bar=2, \t baz=3"], s("foo=1,bar=2,baz=3")),
        case("tabs around members", &[TP], &["foo=1\t \t,\t \tbar=2"], s("foo=1,bar=2")),
        case("leading space of a value kept", &[TP], &["foo= bar"], s("foo= bar")),
        case("trailing spaces of a value are OWS", &[TP], &["foo=bar   ,baz=1"], s("foo=bar,baz=1")),
        case("inner spaces of a value kept", &[TP], &["foo=a b  c"], s("foo=a b  c")),
        // Member count.
        case("32 members kept", &[TP], &[&m32], s(&m32)),
        case("33 members dropped", &[TP], &[&m33], dropped.clone()),
        case("32 members over four lines with empty members", &[TP], &[&members(1..=10).join(","), "", &format!(",{},", members(11..=20).join(",,")), &members(21..=32).join(" , ")], s(&m32)),
        case("33 members over two lines", &[TP], &[&members(1..=16).join(","), &members(17..=33).join(",")], dropped.clone()),
        case("32 members plus a trailing empty line", &[TP], &[&m32, ""], s(&m32)),
        // Repeated keys: the first occurrence is kept, later ones are dropped.
        case("repeated key, same value", &[TP], &["foo=1,foo=1"], s("foo=1")),
        case("repeated key, different values", &[TP], &["foo=1,bar=2,foo=3"], s("foo=1,bar=2")),
        case("repeated key across lines", &[TP], &["foo=1", "bar=2,foo=1"], s("foo=1,bar=2")),
        case("repeated key with @", &[TP], &["t@v=1,x=2,t@v=3"], s("t@v=1,x=2")),
        case("repeated key TraceState cannot hold", &[TP], &[&format!("t@{v14}=1,a=2,t@{v14}=3")], s(&format!("t@{v14}=1,a=2"))),
        case("repeated key, then an invalid member", &[TP], &["foo=1,foo=2,Bar=3"], dropped.clone()),
        case("32 members and a repeated key are 33", &[TP], &[&format!("{m32},k1=v1")], dropped.clone()),
        case("keys differing only in case are not repeated, but invalid", &[TP], &["foo=1,Foo=2"], dropped.clone()),
        // Keys.
        case("key with every key character", &[TP], &["a0_-*/z=1"], s("a0_-*/z=1")),
        case("key starting with a digit (Level 2)", &[TP], &["1foo=1"], s("1foo=1")),
        case("upper-case key", &[TP], &["bar=2,Foo=1"], dropped.clone()),
        case("upper-case letter inside a key", &[TP], &["fOo=1"], dropped.clone()),
        case("empty key", &[TP], &["=1"], dropped.clone()),
        case("key with a dot", &[TP], &["foo.bar=1"], dropped.clone()),
        case("key with a colon", &[TP], &["foo:bar=1"], dropped.clone()),
        case("key with an inner space", &[TP], &["foo bar=1"], dropped.clone()),
        case("space before =", &[TP], &["foo =1"], dropped.clone()),
        case("key starting with _", &[TP], &["_foo=1"], dropped.clone()),
        case("key starting with -", &[TP], &["-foo=1"], dropped.clone()),
        case("key starting with *", &[TP], &["*foo=1"], dropped.clone()),
        case("key starting with /", &[TP], &["/foo=1"], dropped.clone()),
        case("key starting with @", &[TP], &["@foo=1"], dropped.clone()),
        case("non-ASCII key", &[TP], &["f\u{f6}o=1"], dropped.clone()),
        case("key of 256 characters", &[TP], &[&format!("foo=1,{key256}=1")], s(&format!("foo=1,{key256}=1"))),
        case("key of 257 characters", &[TP], &[&format!("foo=1,{key257}=1")], dropped.clone()),
        // `@` in keys: an ordinary key character after the first one.
        case("key with one @", &[TP], &["tenant@vendor=1"], s("tenant@vendor=1")),
        case("digit-first key with @", &[TP], &["0tenant@vendor=1"], s("0tenant@vendor=1")),
        case("13 characters after @", &[TP], &[&format!("t@{}=1", "v".repeat(13))], s(&format!("t@{}=1", "v".repeat(13)))),
        case("14 characters after @ (beyond TraceState, carried whole)", &[TP], &["foo=1", &format!("t@{v14}=1")], s(&format!("foo=1,t@{v14}=1"))),
        case("14 characters after @ in the middle, OWS and empty members", &[TP], &[&format!(" a=1 ,, t@{v14}=x y ,b=2")], s(&format!("a=1,t@{v14}=x y,b=2"))),
        case("15 characters after @", &[TP], &["foo=1", &format!("t@{}=1", "v".repeat(15))], s(&format!("foo=1,t@{}=1", "v".repeat(15)))),
        case("242 characters before @", &[TP], &["foo=1", &format!("{before_at_242}=1")], s(&format!("foo=1,{before_at_242}=1"))),
        case("key with @ of 256 characters", &[TP], &["foo=1", &format!("{key_at_256}=1")], s(&format!("foo=1,{key_at_256}=1"))),
        case("key with @ of 257 characters", &[TP], &["foo=1", &format!("{key_at_257}=1")], dropped.clone()),
        case("key ending in @", &[TP], &["foo@=1,bar=2"], s("foo@=1,bar=2")),
        case("key starting with @ and another member", &[TP], &["@foo=1,bar=2"], dropped.clone()),
        case("digit after @", &[TP], &["foo@1bar=1"], s("foo@1bar=1")),
        case("upper-case letter after @", &[TP], &["foo@Bar=1"], dropped.clone()),
        case("two @ in a row", &[TP], &["foo@@bar=1,bar=2"], s("foo@@bar=1,bar=2")),
        case("@ twice", &[TP], &["foo@bar@baz=1,bar=2"], s("foo@bar@baz=1,bar=2")),
        case("- after @", &[TP], &["foo@-bar=1"], s("foo@-bar=1")),
        case("_ first, @ later", &[TP], &["_foo@bar=1"], dropped.clone()),
        case("@ only", &[TP], &["@=1"], dropped.clone()),
        // Values.
        case("value with every allowed character", &[TP], &[&format!("foo={all_chars}")], s(&format!("foo={all_chars}"))),
        case("empty value", &[TP], &["foo="], dropped.clone()),
        case("empty value before a valid member", &[TP], &["foo=,bar=3"], dropped.clone()),
        case("spaces-only value", &[TP], &["foo=   ,bar=3"], dropped.clone()),
        case("value containing =", &[TP], &["foo=bar=baz"], dropped.clone()),
        case("member without =", &[TP], &["foo=1,bar"], dropped.clone()),
        case("member that is only a key", &[TP], &["foo"], dropped.clone()),
        case("value with an inner tab", &[TP], &["foo=a\tb"], dropped.clone()),
        case("value with DEL", &[TP], &["foo=a\u{7f}"], dropped.clone()),
        case("value with a control character", &[TP], &["foo=a\u{1}b"], dropped.clone()),
        case("value with a newline", &[TP], &["foo=a\nb"], dropped.clone()),
        case("non-ASCII value", &[TP], &["foo=\u{e9}t\u{e9}"], dropped.clone()),
        case("value of 256 characters", &[TP], &[&format!("foo={value256}")], s(&format!("foo={value256}"))),
        case("value of 256 characters plus trailing OWS", &[TP], &[&format!("foo={value256}  \t")], s(&format!("foo={value256}"))),
        case("value of 257 characters", &[TP], &[&format!("foo={value257}")], dropped.clone()),
        case("one invalid member drops valid ones too", &[TP], &["a=1", "b=2,C=3", "d=4"], dropped.clone()),
        // Lines that are not ASCII text drop the whole list, whichever line they are.
        case("non-ASCII line after a valid one", &[TP], &["foo=1", "bar=caf\u{e9}"], dropped.clone()),
        case("line a carrier could not read as text (U+FFFD)", &[TP], &["foo=1", "\u{fffd}", "bar=2"], dropped.clone()),
        case("non-ASCII space only", &[TP], &["foo=1", "\u{a0}"], dropped.clone()),
        case("non-ASCII first line", &[TP], &["\u{1f600}", "foo=1"], dropped.clone()),
        // Tracestate with other traceparent versions and flags.
        case("tracestate with an unsampled parent", &[&tp("00", TID, SID, "00")], &["foo=1"], parent(0x00, "foo=1")),
    ]
}

/// Rows with 64 KiB headers (their timing is checked in `tests/fuzz_propagation.rs`).
#[rustfmt::skip]
pub(super) fn large_cases() -> Vec<Case> {
    let s = |tracestate: &str| parent(0x01, tracestate);
    let mut many = String::new();
    let mut i = 0;
    while many.len() < KIB64 {
        many.push_str(&format!("key{i}=value{i},"));
        i += 1;
    }
    let padding = |unit: &str| unit.repeat(KIB64 / unit.len());
    vec![
        owned_case("64 KiB tracestate of many members", vec![TP.to_owned()], vec![many.clone()], s("")),
        owned_case("64 KiB tracestate of empty members", vec![TP.to_owned()], vec![format!("a=1{}b=2", padding(", \t,"))], s("a=1,b=2")),
        owned_case("32 members padded to 64 KiB with OWS", vec![TP.to_owned()], vec![members(1..=32).join(&format!("{},{}", " \t".repeat(512), "\t ".repeat(512)))], s(&members(1..=32).join(","))),
        owned_case("64 KiB value", vec![TP.to_owned()], vec![format!("foo={}", "v".repeat(KIB64))], s("")),
        owned_case("64 KiB key", vec![TP.to_owned()], vec![format!("{}=1", "k".repeat(KIB64))], s("")),
        owned_case("64 KiB member without =", vec![TP.to_owned()], vec!["k".repeat(KIB64)], s("")),
        owned_case("4096 empty tracestate lines", vec![TP.to_owned()], vec![String::new(); 4096], s("")),
        owned_case("version 00 followed by 64 KiB", vec![format!("{TP}-{}", "x".repeat(KIB64))], vec!["foo=bar".to_owned()], Expect::Invalid),
        owned_case("future version followed by 64 KiB", vec![format!("{}-{}", tp("cc", TID, SID, "01"), "x".repeat(KIB64))], vec!["foo=bar".to_owned()], s("foo=bar")),
        owned_case("64 KiB of hex", vec!["a".repeat(KIB64)], vec![], Expect::Invalid),
        owned_case("64 KiB of OWS around a traceparent", vec![format!("{}{TP}{}", padding(" "), padding("\t"))], vec![], s("")),
        owned_case("64 KiB of OWS only", vec![padding(" \t")], vec![], Expect::Invalid),
        owned_case("64 KiB traceparent and 64 KiB tracestate", vec![format!("{}-{}", tp("cc", TID, SID, "01"), "-".repeat(KIB64))], vec![many], s("")),
    ]
}

#[test]
fn traceparent_table() {
    assert!(run(traceparent_cases()) >= 70);
}

#[test]
fn tracestate_table() {
    assert!(run(tracestate_cases()) >= 70);
}

#[test]
fn large_header_table() {
    run(large_cases());
}
