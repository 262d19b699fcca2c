//! The wire: `Content-Length` framing read by hand, so that a malformed payload is answered
//! and skipped instead of ending the server (`lsp-server`'s stock reader stops at the first
//! one). What is read becomes an `lsp-server` [`Message`]; what is not a message becomes the
//! JSON-RPC error the specification asks for, sent straight back.

use std::io::{self, BufRead, Write};

use lsp_server::{ErrorCode, Message};
use serde_json::{Value, json};

/// The largest frame read (1 GiB): a document of hundreds of megabytes fits, an absurd
/// `Content-Length` does not make the server allocate it.
pub const MAX_FRAME: usize = 1 << 30;

/// One thing read from the client.
#[derive(Debug)]
pub enum Incoming {
    Message(Message),
    /// Not a message: the error response to send (its `id` is `null` when none was readable).
    Invalid(Value),
}

/// Reads the next frame; `Ok(None)` at the end of the input.
pub fn read(input: &mut impl BufRead) -> io::Result<Option<Incoming>> {
    read_at_most(input, MAX_FRAME)
}

/// [`read`] with a frame's largest size.
fn read_at_most(input: &mut impl BufRead, max_frame: usize) -> io::Result<Option<Incoming>> {
    let mut length = None;
    let mut line = String::new();
    let mut header_seen = false;
    loop {
        line.clear();
        if input.read_line(&mut line)? == 0 {
            return Ok(None);
        }
        let header = line.trim_end_matches(['\r', '\n']);
        if header.is_empty() {
            if header_seen {
                break;
            }
            // Blank lines between frames are skipped.
            continue;
        }
        header_seen = true;
        if let Some((name, value)) = header.split_once(':')
            && name.trim().eq_ignore_ascii_case("Content-Length")
        {
            length = value.trim().parse::<usize>().ok();
        }
    }
    let Some(length) = length else {
        return Ok(Some(Incoming::Invalid(error(
            Value::Null,
            ErrorCode::ParseError,
            "a frame without a valid Content-Length header",
        ))));
    };
    if length > max_frame {
        // Skipped, not held: the next frame is read as usual.
        let mut rest = io::Read::take(&mut *input, length as u64);
        io::copy(&mut rest, &mut io::sink())?;
        return Ok(Some(Incoming::Invalid(error(
            Value::Null,
            ErrorCode::ParseError,
            &format!("a frame of {length} bytes; the limit is {max_frame}"),
        ))));
    }
    let mut body = vec![0; length];
    input.read_exact(&mut body)?;
    Ok(Some(parse(&body)))
}

/// A frame's body as a message, or the error that answers it.
pub fn parse(body: &[u8]) -> Incoming {
    let value: Value = match serde_json::from_slice(body) {
        Ok(value) => value,
        Err(e) => {
            return Incoming::Invalid(error(
                Value::Null,
                ErrorCode::ParseError,
                &format!("not JSON: {e}"),
            ));
        }
    };
    let id = value.get("id").cloned().unwrap_or(Value::Null);
    let valid_id =
        matches!(&id, Value::String(_)) || id.as_i64().is_some_and(|n| i32::try_from(n).is_ok());
    let invalid = |why: &str| {
        let id = if valid_id { id.clone() } else { Value::Null };
        Incoming::Invalid(error(id, ErrorCode::InvalidRequest, why))
    };
    let Some(object) = value.as_object() else {
        return invalid("a message is a JSON object");
    };
    let has_method = object.get("method").is_some_and(Value::is_string);
    let has_id = object.contains_key("id");
    let is_response = object.contains_key("result") || object.contains_key("error");
    if has_id && !valid_id && (has_method || is_response) {
        return invalid("`id` is an integer or a string");
    }
    if !(has_method || has_id && is_response) {
        return invalid("neither a request, a notification nor a response");
    }
    match serde_json::from_value::<Message>(value.clone()) {
        Ok(message) => Incoming::Message(message),
        Err(e) => invalid(&format!("not a valid message: {e}")),
    }
}

/// A JSON-RPC error response.
pub fn error(id: Value, code: ErrorCode, message: &str) -> Value {
    json!({
        "jsonrpc": "2.0",
        "id": id,
        "error": { "code": code as i32, "message": message },
    })
}

/// What the writer sends.
#[derive(Debug)]
pub enum Outgoing {
    Message(Message),
    /// An error response that no [`Message`] can hold (its `id` is `null`).
    Raw(Value),
}

/// Writes one frame.
pub fn write(output: &mut impl Write, outgoing: &Outgoing) -> io::Result<()> {
    match outgoing {
        Outgoing::Message(message) => message.write(output),
        Outgoing::Raw(value) => {
            let text = value.to_string();
            write!(output, "Content-Length: {}\r\n\r\n{text}", text.len())?;
            output.flush()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(body: &str) -> Vec<u8> {
        format!("Content-Length: {}\r\n\r\n{body}", body.len()).into_bytes()
    }

    fn code_and_id(incoming: Incoming) -> (i64, Value) {
        let Incoming::Invalid(value) = incoming else {
            panic!("expected an error, got {incoming:?}");
        };
        (
            value["error"]["code"].as_i64().unwrap(),
            value["id"].clone(),
        )
    }

    #[test]
    fn bad_json_is_a_parse_error_with_a_null_id_and_reading_goes_on() {
        let mut bytes = frame("{\"id\": 1, \"method\": ");
        bytes.extend(frame(r#"{"jsonrpc":"2.0","id":2,"method":"shutdown"}"#));
        let mut input = &bytes[..];
        let first = read(&mut input).unwrap().unwrap();
        assert_eq!(code_and_id(first), (-32700, Value::Null));
        let Some(Incoming::Message(Message::Request(request))) = read(&mut input).unwrap() else {
            panic!("the next frame is read");
        };
        assert_eq!(request.method, "shutdown");
        assert!(read(&mut input).unwrap().is_none());
    }

    #[test]
    fn a_frame_over_the_limit_is_skipped_with_a_parse_error() {
        let mut bytes = frame(&" ".repeat(100));
        bytes.extend(frame(
            r#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#,
        ));
        let mut input = &bytes[..];
        let first = read_at_most(&mut input, 99).unwrap().unwrap();
        assert_eq!(code_and_id(first), (-32700, Value::Null));
        assert!(matches!(
            read_at_most(&mut input, 99).unwrap(),
            Some(Incoming::Message(Message::Notification(_)))
        ));
    }

    #[test]
    fn json_that_is_no_message_is_an_invalid_request() {
        assert_eq!(code_and_id(parse(b"[1, 2]")), (-32600, Value::Null));
        assert_eq!(code_and_id(parse(br#"{"id": 7}"#)), (-32600, json!(7)));
        assert_eq!(
            code_and_id(parse(br#"{"id": 1.5, "method": "x"}"#)),
            (-32600, Value::Null)
        );
    }

    #[test]
    fn a_notification_has_no_id() {
        assert!(matches!(
            parse(br#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#),
            Incoming::Message(Message::Notification(_))
        ));
    }
}
