//! The requests and responses of an HTTP/1.x connection: each message numbered, and a
//! response tied to the request it answers, as Wireshark ties them; at most
//! [`MAX_OUTSTANDING`] requests wait for their answers.

use super::*;

/// How many requests may wait for their responses before the oldest is forgotten.
const MAX_OUTSTANDING: usize = 1024;

/// A request, kept until its response comes (SSDP keeps its latest one the same way).
#[derive(Clone, Debug)]
pub(crate) struct Request {
    frame: u64,
    ts_ns: i64,
    number: u32,
    answered: bool,
    method: Vec<u8>,
    uri: Option<String>,
    prev_request_in: Option<u64>,
}

/// The requests and responses of an HTTP/1.x connection so far.
#[derive(Clone, Default)]
pub(super) struct Ledger {
    requests: VecDeque<Request>,
    /// Requests, and responses that answer none, counted together.
    count: u32,
    last_request_frame: Option<u64>,
    last_response_frame: Option<u64>,
    /// Bytes the requests' methods and URIs hold.
    text_bytes: usize,
}

impl Request {
    /// Request `number`, in `frame`, for `uri`; the request before it was in `prev_request_in`.
    pub(crate) fn new(
        frame: u64,
        ts_ns: i64,
        number: u32,
        method: Vec<u8>,
        uri: Option<String>,
        prev_request_in: Option<u64>,
    ) -> Self {
        Self { frame, ts_ns, number, answered: false, method, uri, prev_request_in }
    }

    /// What its method and URI hold on the heap.
    pub(crate) fn text_bytes(&self) -> usize {
        self.method.capacity() + self.uri.as_ref().map_or(0, String::capacity)
    }
}

/// Ties a response with `status` to `latest`, the latest request, if that one has no answer
/// yet: the response takes its number, frame, time and URI, and an interim (1xx) response
/// leaves it waiting for its final one. A response that answers none is numbered on its own,
/// from `count`, which numbers requests and such responses together.
pub(crate) fn answer(
    context: &mut Conversation,
    latest: Option<&mut Request>,
    status: u16,
    ts_ns: i64,
    count: &mut u32,
) {
    match latest.filter(|request| !request.answered && status >= 100) {
        Some(request) => {
            request.answered = status >= 200;
            context.number = Some(request.number);
            context.request_in = Some(request.frame);
            context.time_since_request_ns = Some(ts_ns.saturating_sub(request.ts_ns));
            context.request_uri = request.uri.clone();
            context.prev_request_in = request.prev_request_in;
        }
        None => {
            *count += 1;
            context.number = Some(*count);
        }
    }
}

impl Ledger {
    /// What the requests waiting for their answers hold on the heap.
    pub(super) fn cost(&self) -> usize {
        self.requests.capacity() * size_of::<Request>() + self.text_bytes
    }

    /// The method of the request a response would answer, which decides whether the
    /// response has a body (HEAD, CONNECT).
    pub(super) fn next_method(&self) -> Option<Vec<u8>> {
        self.requests.back().filter(|request| !request.answered).map(|request| request.method.clone())
    }

    /// Numbers a message and ties a response to its request. As in Wireshark, a response
    /// answers the latest request if that one has no response yet; requests and responses
    /// that pair up share a number, counted across the connection.
    pub(super) fn context(
        &mut self,
        message: &http1::Message<'_>,
        tls: bool,
        frame: u64,
        ts_ns: i64,
    ) -> Conversation {
        let mut context = Conversation { tls, ..Conversation::default() };
        if let Some(method) = message.method() {
            self.count += 1;
            context.number = Some(self.count);
            context.prev_request_in = self.last_request_frame;
            if self.requests.len() == MAX_OUTSTANDING
                && let Some(oldest) = self.requests.pop_front()
            {
                self.text_bytes -= oldest.text_bytes();
            }
            let uri = message.full_uri(tls).map(|uri| uri.to_string());
            let request =
                Request::new(frame, ts_ns, self.count, method.to_vec(), uri, self.last_request_frame);
            self.text_bytes += request.text_bytes();
            self.requests.push_back(request);
            self.last_request_frame = Some(frame);
        } else if let Some(status) = message.status() {
            context.prev_response_in = self.last_response_frame;
            self.last_response_frame = Some(frame);
            answer(&mut context, self.requests.back_mut(), status, ts_ns, &mut self.count);
        }
        context
    }
}
