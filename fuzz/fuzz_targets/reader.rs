//! Fuzzes the reader: any bytes read without panic, and every span lies on the input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ovpn6_lint::syntax::parse;

fuzz_target!(|data: &[u8]| {
    let parsed = parse(data);
    for directive in parsed.directives() {
        for word in directive.words() {
            let span = word.span();
            assert!(span.start <= span.end && span.end <= data.len());
        }
    }
    for block in &parsed.blocks {
        assert!(block.body.start <= block.body.end && block.body.end <= data.len());
    }
});
