//! What the tracker records of a STREAM frame's HTTP/3 for later stages: each frame's type and,
//! for HEADERS, the pseudo-header fields that say request or response. Each field section is
//! decoded once here, which also gives the QPACK problem the packet reports.

use crate::dissect::http3::{self, Http3};
use crate::dissect::qpack;
use crate::dissect::quic::Http3Fact;

/// The facts of a layer's HTTP/3 frames (a frame that cannot be parsed has none), and why the
/// first field section that could not be decoded could not be.
pub fn http3(layer: &Http3<'_>) -> (Vec<Http3Fact>, Option<String>) {
    let mut problem = None;
    let facts = layer
        .frames
        .iter()
        .filter_map(|frame| {
            let (kind, _, payload) = http3::parse_frame(frame.bytes)?;
            if kind != http3::frame_type::HEADERS {
                return Some(Http3Fact::Other(kind));
            }
            let section = qpack::decode(&frame.bytes[payload]);
            if let (None, Some(error)) = (&problem, section.error) {
                problem = Some(format!("HEADERS on stream {}: {error}", layer.stream_id));
            }
            Some(match (section.get(":method"), section.get(":status")) {
                (Some(method), _) => Http3Fact::Request {
                    method: method.to_vec(),
                    path: section.get(":path").map(<[u8]>::to_vec),
                },
                (None, Some(status)) => Http3Fact::Response { status: status.to_vec() },
                (None, None) => Http3Fact::Headers,
            })
        })
        .collect();
    (facts, problem)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dissect::field::Span;

    fn layer(frames: &[&[u8]]) -> Http3<'static> {
        let frames = frames.iter().map(|bytes| Span::new(bytes.to_vec().leak(), Default::default(), 0));
        Http3 { stream_id: 4, frames: frames.collect(), ..Http3::default() }
    }

    #[test]
    fn headers_say_request_or_response_and_other_frames_their_type() {
        // HEADERS: required insert count 0, base 0, static :method GET (17), :path / (1).
        let request: &[u8] = &[0x01, 0x04, 0x00, 0x00, 0xd1, 0xc1];
        // HEADERS: static :status 200 (25).
        let response: &[u8] = &[0x01, 0x03, 0x00, 0x00, 0xd9];
        let data: &[u8] = &[0x00, 0x01, b'x'];
        let (facts, problem) = http3(&layer(&[request, response, data]));
        assert_eq!(
            facts,
            [
                Http3Fact::Request { method: b"GET".to_vec(), path: Some(b"/".to_vec()) },
                Http3Fact::Response { status: b"200".to_vec() },
                Http3Fact::Other(http3::frame_type::DATA),
            ]
        );
        assert_eq!(problem, None);
    }

    #[test]
    fn a_section_that_does_not_decode_is_plain_headers_with_its_problem() {
        // Static index 127+ past the table's 99 entries.
        let bad: &[u8] = &[0x01, 0x04, 0x00, 0x00, 0xff, 0x24];
        let (facts, problem) = http3(&layer(&[bad]));
        assert_eq!(facts, [Http3Fact::Headers]);
        assert!(problem.is_some_and(|problem| problem.starts_with("HEADERS on stream 4: ")));
    }
}
