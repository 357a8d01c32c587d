use super::*;

#[test]
fn an_event_serializes_as_documented() {
    let event = Event {
        frame: 4,
        t_ms: 0.5,
        sent_ms: None,
        arrived_ms: None,
        dir: Side::Server,
        round: 2,
        osi: OsiLayer::Application,
        messages: vec![Message::Http1 { start_line: "200 OK".to_owned() }, Message::Fin],
        notes: vec![Note::Retransmission],
        step: Step {
            side: Side::Server,
            syn: false,
            handshake: false,
            application: true,
            gating: None,
            retransmission: true,
        },
        early: false,
        at_ns: 0,
        copy: 0,
    };
    let json = serde_json::to_string(&event).ok();
    assert_eq!(
        json.as_deref(),
        Some(
            r#"{"frame":4,"t_ms":0.5,"dir":"s2c","round":2,"osi":7,"label":"HTTP 200 OK · FIN (retransmission)","explain":"a copy of a message that seemed lost: shown, but it starts no new round"}"#
        )
    );
}
