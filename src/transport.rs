//! The stdio line transport: one JSON-RPC message per line. Unlike rmcp's built-in one, a line
//! that is not JSON gets a JSON-RPC error back (§10) and the server keeps serving.
//!
//! rmcp polls `receive()` inside a `select!` and drops it whenever another branch wins, so
//! receiving is cancel-safe: a partly read line lives in the transport, not in the future,
//! and error replies are written by their own task.

use std::sync::Arc;

use rmcp::RoleServer;
use rmcp::service::{RxJsonRpcMessage, TxJsonRpcMessage};
use rmcp::transport::Transport;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::{Mutex, watch};
use tokio::task::JoinSet;

/// Longest accepted line (a 1 MiB memory value can triple in size when JSON-escaped).
pub const MAX_LINE_BYTES: usize = 16 * 1024 * 1024;

/// A complete input line, or the note that it was longer than [`MAX_LINE_BYTES`].
enum Line {
    Text(Vec<u8>),
    TooLong,
}

pub struct LineTransport<R, W> {
    reader: BufReader<R>,
    writer: Arc<Mutex<W>>,
    /// The bytes of the line being read (kept here so a dropped `receive` loses nothing).
    partial: Vec<u8>,
    /// The line being read has passed the limit; its rest is being skipped.
    overflow: bool,
    /// When it turns true, input ends as if at EOF: in-flight calls finish, no new ones start.
    stop: Option<watch::Receiver<bool>>,
    /// Error replies being written; `close` waits for them so none is cut off at exit.
    replies: JoinSet<()>,
}

impl<R, W> LineTransport<R, W>
where
    R: AsyncRead + Unpin + Send,
    W: AsyncWrite + Unpin + Send + 'static,
{
    pub fn new(reader: R, writer: W) -> Self {
        LineTransport {
            reader: BufReader::with_capacity(64 * 1024, reader),
            writer: Arc::new(Mutex::new(writer)),
            partial: Vec::new(),
            overflow: false,
            stop: None,
            replies: JoinSet::new(),
        }
    }

    /// Ends the input when `stop` turns true (graceful shutdown).
    pub fn with_stop(mut self, stop: watch::Receiver<bool>) -> Self {
        self.stop = Some(stop);
        self
    }

    /// The next line, or `Ok(None)` at end of input or once a stop is requested.
    async fn next_line_or_stop(&mut self) -> std::io::Result<Option<Line>> {
        let Some(mut stop) = self.stop.clone() else {
            return self.next_line().await;
        };
        tokio::select! {
            biased;
            stopped = async { stop.wait_for(|s| *s).await.map(|_| ()) } => match stopped {
                Ok(()) => Ok(None),
                // The stop sender is gone: nobody can ask for a stop any more.
                Err(_) => {
                    self.stop = None;
                    self.next_line().await
                }
            },
            line = self.next_line() => line,
        }
    }

    /// Reads one line without its newline; `Ok(None)` at end of input. Cancel-safe: every
    /// byte taken from the reader is first stored in `self.partial`.
    async fn next_line(&mut self) -> std::io::Result<Option<Line>> {
        loop {
            let chunk = self.reader.fill_buf().await?;
            if chunk.is_empty() {
                let rest = !self.partial.is_empty() || self.overflow;
                return Ok(rest.then(|| self.take_line()));
            }
            let (take, done) = match chunk.iter().position(|b| *b == b'\n') {
                Some(i) => (i, true),
                None => (chunk.len(), false),
            };
            if !self.overflow && self.partial.len() + take <= MAX_LINE_BYTES {
                self.partial.extend_from_slice(&chunk[..take]);
            } else {
                self.overflow = true;
                self.partial = Vec::new();
            }
            self.reader.consume(take + usize::from(done));
            if done {
                return Ok(Some(self.take_line()));
            }
        }
    }

    fn take_line(&mut self) -> Line {
        let line = std::mem::take(&mut self.partial);
        if std::mem::take(&mut self.overflow) {
            Line::TooLong
        } else {
            Line::Text(line)
        }
    }

    /// Writes an error reply from its own task, so dropping `receive` cannot cut it short.
    fn reply(&mut self, body: Value) {
        while self.replies.try_join_next().is_some() {}
        let writer = self.writer.clone();
        self.replies.spawn(async move {
            let mut text = body.to_string();
            text.push('\n');
            let mut out = writer.lock().await;
            let written = async {
                out.write_all(text.as_bytes()).await?;
                out.flush().await
            };
            if let Err(err) = written.await {
                tracing::warn!(error = %err, "could not write an error reply");
            }
        });
    }
}

/// The JSON-RPC error for a line that is not a message we can take.
fn rejection(line: &[u8]) -> Option<Value> {
    let (code, message, id) = match serde_json::from_slice::<Value>(line) {
        Err(_) => (
            -32700,
            "Parse error: the line is not valid JSON",
            Value::Null,
        ),
        Ok(value) => {
            let id = value.get("id").cloned().unwrap_or(Value::Null);
            if value.get("method").is_none() && id.is_null() {
                // An unreadable response or notification: nothing to answer.
                tracing::warn!("dropped an invalid JSON-RPC message without an id");
                return None;
            }
            (
                -32600,
                "Invalid Request: not a valid JSON-RPC 2.0 message",
                id,
            )
        }
    };
    Some(json!({ "jsonrpc": "2.0", "id": id, "error": { "code": code, "message": message } }))
}

impl<R, W> Transport<RoleServer> for LineTransport<R, W>
where
    R: AsyncRead + Unpin + Send,
    W: AsyncWrite + Unpin + Send + 'static,
{
    type Error = std::io::Error;

    fn send(
        &mut self,
        item: TxJsonRpcMessage<RoleServer>,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send + 'static {
        let writer = self.writer.clone();
        let encoded = serde_json::to_vec(&item);
        async move {
            let mut bytes = encoded.map_err(std::io::Error::other)?;
            bytes.push(b'\n');
            let mut out = writer.lock().await;
            out.write_all(&bytes).await?;
            out.flush().await
        }
    }

    async fn receive(&mut self) -> Option<RxJsonRpcMessage<RoleServer>> {
        loop {
            let line = match self.next_line_or_stop().await {
                Ok(Some(Line::Text(line))) => line,
                Ok(Some(Line::TooLong)) => {
                    let message =
                        format!("Invalid Request: line longer than {MAX_LINE_BYTES} bytes");
                    self.reply(json!({ "jsonrpc": "2.0", "id": null,
                        "error": { "code": -32600, "message": message } }));
                    continue;
                }
                Ok(None) => return None,
                Err(err) => {
                    tracing::error!(error = %err, "reading stdin failed");
                    return None;
                }
            };
            let trimmed = line.trim_ascii();
            if trimmed.is_empty() {
                continue;
            }
            match serde_json::from_slice::<RxJsonRpcMessage<RoleServer>>(trimmed) {
                Ok(message) => return Some(message),
                Err(err) => {
                    tracing::debug!(error = %err, "rejected an incoming line");
                    if let Some(body) = rejection(trimmed) {
                        self.reply(body);
                    }
                }
            }
        }
    }

    /// Finishes the pending error replies and flushes; a client that stopped reading cannot
    /// hold the exit up for more than a second.
    async fn close(&mut self) -> Result<(), Self::Error> {
        let (replies, writer) = (&mut self.replies, &self.writer);
        let flush = async move {
            while replies.join_next().await.is_some() {}
            writer.lock().await.flush().await
        };
        match tokio::time::timeout(std::time::Duration::from_secs(1), flush).await {
            Ok(flushed) => flushed,
            Err(_) => {
                tracing::warn!("stdout is not being read; closing without a final flush");
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejections_carry_the_right_codes() {
        let parse = rejection(b"{not json");
        assert_eq!(
            parse.as_ref().map(|b| b["error"]["code"].clone()),
            Some(json!(-32700))
        );
        let bad = rejection(br#"{"jsonrpc":"2.0","id":7,"method":42}"#);
        assert_eq!(bad.as_ref().map(|b| b["id"].clone()), Some(json!(7)));
        assert_eq!(bad.map(|b| b["error"]["code"].clone()), Some(json!(-32600)));
    }

    /// A line that arrives in pieces survives `next_line` being dropped between them.
    #[tokio::test]
    async fn a_dropped_read_loses_no_bytes() -> std::io::Result<()> {
        let (mut client, server) = tokio::io::duplex(64);
        let mut transport = LineTransport::new(server, tokio::io::sink());
        client.write_all(br#"{"jsonrpc":"2.0","#).await?;
        // The read starts, takes the first piece, and is dropped while waiting for more.
        let first =
            tokio::time::timeout(std::time::Duration::from_millis(50), transport.next_line()).await;
        assert!(first.is_err(), "no full line yet");
        client.write_all(b"\"method\":\"ping\",\"id\":1}\n").await?;
        match transport.next_line().await? {
            Some(Line::Text(line)) => {
                assert_eq!(
                    line,
                    br#"{"jsonrpc":"2.0","method":"ping","id":1}"#.to_vec()
                );
            }
            _ => return Err(std::io::Error::other("expected the whole line")),
        }
        Ok(())
    }
}
