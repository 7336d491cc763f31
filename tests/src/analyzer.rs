//! A hand-written analyzer side for the end-to-end tests, independent of the LIS's own protocol
//! code: an ASTM E1381 sender (LIS1-A §6: ENQ, frames `STX FN text ETX C1 C2 CR LF` each
//! acknowledged, EOT) and an MLLP sender (`VT message FS CR`, the ACK read back).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// ENQ [LIS1-A §6.2.1].
pub const ENQ: u8 = 0x05;
/// ACK [LIS1-A §6.2.2].
pub const ACK: u8 = 0x06;
/// NAK [LIS1-A §6.3.5].
pub const NAK: u8 = 0x15;
/// EOT [LIS1-A §6.2.5].
pub const EOT: u8 = 0x04;
/// STX [LIS1-A §6.3.1].
pub const STX: u8 = 0x02;
/// ETX: the last frame of a message [LIS1-A §6.3.1].
pub const ETX: u8 = 0x03;
/// MLLP start block (VT) [HL7 MLLP].
pub const VT: u8 = 0x0B;
/// MLLP end block (FS) [HL7 MLLP].
pub const FS: u8 = 0x1C;

/// One E1381 frame: `STX FN text ETX C1 C2 CR LF`; the checksum is the sum of the bytes from FN
/// through ETX, modulo 256, as two upper-case hex digits [LIS1-A §6.3.1.5].
pub fn frame(number: u8, text: &[u8]) -> Vec<u8> {
    let fn_digit = b'0' + number % 8;
    let mut sum: u32 = u32::from(fn_digit) + u32::from(ETX);
    sum += text.iter().map(|&b| u32::from(b)).sum::<u32>();
    let mut out = vec![STX, fn_digit];
    out.extend_from_slice(text);
    out.push(ETX);
    out.extend_from_slice(format!("{:02X}", sum % 256).as_bytes());
    out.extend_from_slice(b"\r\n");
    out
}

/// Connects with read and write timeouts.
pub fn connect(addr: std::net::SocketAddr) -> TcpStream {
    let s = TcpStream::connect_timeout(&addr, Duration::from_secs(10)).expect("connect to the LIS");
    s.set_read_timeout(Some(Duration::from_secs(30)))
        .expect("read timeout");
    s.set_write_timeout(Some(Duration::from_secs(30)))
        .expect("write timeout");
    s
}

/// Reads one byte.
pub fn read_byte(s: &mut impl Read) -> std::io::Result<u8> {
    let mut b = [0u8; 1];
    s.read_exact(&mut b)?;
    Ok(b[0])
}

/// Sends one ASTM message (records without terminators) over E1381: one record per frame, frame
/// numbers from 1. Returns `Ok` when every frame was acknowledged.
pub fn e1381_send(s: &mut (impl Read + Write), records: &[&str]) -> Result<(), String> {
    s.write_all(&[ENQ]).map_err(|e| e.to_string())?;
    match read_byte(s).map_err(|e| e.to_string())? {
        ACK => {}
        other => return Err(format!("ENQ answered with {other:#04x}")),
    }
    for (i, record) in records.iter().enumerate() {
        let mut text = record.as_bytes().to_vec();
        text.push(b'\r');
        let number = u8::try_from((i + 1) % 8).unwrap_or(0);
        s.write_all(&frame(number, &text))
            .map_err(|e| e.to_string())?;
        match read_byte(s).map_err(|e| e.to_string())? {
            ACK => {}
            other => return Err(format!("frame {} answered with {other:#04x}", i + 1)),
        }
    }
    s.write_all(&[EOT]).map_err(|e| e.to_string())?;
    Ok(())
}

/// Sends one HL7 message (segments without terminators) in an MLLP block and returns the payload
/// of the ACK block the LIS answers with.
pub fn mllp_send(s: &mut (impl Read + Write), segments: &[&str]) -> Result<String, String> {
    let mut message = String::new();
    for seg in segments {
        message.push_str(seg);
        message.push('\r');
    }
    s.write_all(&mllp_block(&message))
        .map_err(|e| e.to_string())?;
    mllp_read(s)
}

/// One MLLP block: `VT message FS CR`; `message` is sent as it is (segments already terminated).
pub fn mllp_block(message: &str) -> Vec<u8> {
    let mut block = vec![VT];
    block.extend_from_slice(message.as_bytes());
    block.extend_from_slice(&[FS, b'\r']);
    block
}

/// Reads one MLLP block (sent by the LIS) and returns its payload, kept for the validators
/// ([`crate::capture`]).
pub fn mllp_read(s: &mut impl Read) -> Result<String, String> {
    let mut payload = Vec::new();
    let mut started = false;
    loop {
        let b = read_byte(s).map_err(|e| e.to_string())?;
        match b {
            VT if !started => started = true,
            FS if started => {
                let _ = read_byte(s);
                crate::capture::save("hl7", "hl7", &payload);
                return Ok(String::from_utf8_lossy(&payload).into_owned());
            }
            _ if started => payload.push(b),
            _ => {}
        }
    }
}
