//! HTTP/1.1 by hand over a plain `TcpStream`, as little as the tests need: one request per
//! connection (`Connection: close`), an optional bearer token and JSON body, and back the status
//! code and the body (a chunked body reassembled). No HTTP client crate, so the LIS's HTTP server
//! is checked against requests written out in full here.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use serde_json::Value;

/// `GET path` without a token; returns the status code and the body.
pub fn get(addr: SocketAddr, path: &str) -> std::io::Result<(u16, String)> {
    request(addr, "GET", path, None, "")
}

/// `GET path` with `Authorization: Bearer TOKEN`; returns the status code and the body as JSON
/// (`Null` when it is not JSON). Panics when the server cannot be reached.
pub fn get_with_token(addr: SocketAddr, path: &str, token: &str) -> (u16, Value) {
    json_request(addr, "GET", path, token, "")
}

/// `POST path` with `Authorization: Bearer TOKEN` and the JSON `body`; returns the status code and
/// the body as JSON (`Null` when it is not JSON). Panics when the server cannot be reached.
pub fn post_with_token(addr: SocketAddr, path: &str, token: &str, body: &str) -> (u16, Value) {
    json_request(addr, "POST", path, token, body)
}

fn json_request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: &str,
    body: &str,
) -> (u16, Value) {
    let (status, body) = request(addr, method, path, Some(token), body)
        .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
    (status, serde_json::from_str(&body).unwrap_or(Value::Null))
}

/// One request: `method path`, the bearer `token` if any, and `body` sent as
/// `application/json`; returns the status code (0 if the status line cannot be read) and the body.
pub fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: &str,
) -> std::io::Result<(u16, String)> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5))?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let authorization = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\n{authorization}Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response)?;
    let split = find(&response, b"\r\n\r\n");
    let (head, body) = match split {
        Some(at) => (&response[..at], &response[at + 4..]),
        None => (&response[..], &b""[..]),
    };
    let head = String::from_utf8_lossy(head);
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    // Chunks are counted in bytes and may end inside a UTF-8 character: reassemble the bytes,
    // then decode.
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        dechunk(body)
    } else {
        body.to_vec()
    };
    if path.starts_with("/fhir/") && !body.is_empty() {
        crate::capture::save("fhir", "json", &body);
    }
    let body = String::from_utf8_lossy(&body).into_owned();
    Ok((status, body))
}

fn dechunk(mut body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(line_end) = find(body, b"\r\n") {
        let size = String::from_utf8_lossy(&body[..line_end]);
        let Ok(n) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        let rest = &body[line_end + 2..];
        if n == 0 || rest.len() < n {
            break;
        }
        let (chunk, after) = rest.split_at(n);
        out.extend_from_slice(chunk);
        body = after.strip_prefix(b"\r\n").unwrap_or(after);
    }
    out
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::dechunk;

    #[test]
    fn a_character_split_across_chunks_is_reassembled() {
        // "Nguyễn": ễ is E1 BB 85 in UTF-8; the first chunk ends after its first byte.
        let body = b"5\r\nNguy\xE1\r\n3\r\n\xBB\x85n\r\n0\r\n\r\n";
        assert_eq!(String::from_utf8(dechunk(body)).unwrap(), "Nguyễn");
    }
}
