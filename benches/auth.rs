//! What token checking adds to a call (§3, §11): get_messages (50 of a 1 000-message session)
//! end to end through the stdio protocol with no token, with an opaque sct_ token (one indexed
//! lookup by hash) and with an HS256 JWT (signature check, no database), plus the cost of
//! authenticate_agent itself.

#![allow(clippy::print_stderr)] // a failed bench set-up is reported on stderr

mod support;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use criterion::{Criterion, criterion_group, criterion_main};
use hmac::{Hmac, Mac};
use serde_json::{Value, json};

use support::{BenchResult, TextGen, runtime, spawn, temp_db};

const KEY: &str = "bench-api-key";
const SECRET: &str = "bench-jwt-secret-0123456789abcdef";

fn jwt(claims: &Value) -> BenchResult<String> {
    let header = json!({ "alg": "HS256", "typ": "JWT" });
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(SECRET.as_bytes())?;
    mac.update(input.as_bytes());
    Ok(format!(
        "{input}.{}",
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    ))
}

fn token_cost(c: &mut Criterion) -> BenchResult {
    let rt = runtime()?;
    let (_dir, db) = temp_db()?;
    let env = [
        ("SCS_AGENT_ID", "bench"),
        ("API_KEY", KEY),
        ("JWT_SECRET_KEY", SECRET),
    ];
    let server = rt.block_on(spawn(&db, &env))?;
    let sid = rt.block_on(server.session("thousand"))?;
    let mut text = TextGen::new(11);
    rt.block_on(async {
        for _ in 0..1000 {
            let args = json!({ "session_id": sid, "content": text.text(200) });
            server.call("add_message", args).await?;
        }
        BenchResult::Ok(())
    })?;
    let login = json!({ "agent_id": "bench-token", "agent_type": "claude", "api_key": KEY });
    let issued = rt.block_on(server.call("authenticate_agent", login.clone()))?;
    let opaque = issued["token"].as_str().ok_or("no token")?.to_owned();
    let exp = chrono::Utc::now().timestamp() + 3600;
    let jwt = jwt(
        &json!({ "iss": "shared-context-server", "aud": "mcp-agents", "exp": exp,
        "agent_id": "bench-jwt", "agent_type": "claude", "permissions": ["read", "write"] }),
    )?;
    let mut group = c.benchmark_group("auth");
    for (name, token) in [
        ("no_token", None),
        ("opaque", Some(&opaque)),
        ("jwt", Some(&jwt)),
    ] {
        let mut args = json!({ "session_id": sid, "limit": 50, "offset": 500 });
        if let Some(t) = token {
            args["auth_token"] = json!(t);
        }
        group.bench_function(format!("get_messages_50_of_1000_{name}"), |b| {
            b.to_async(&rt)
                .iter(|| async { server.call("get_messages", args.clone()).await })
        });
    }
    group.bench_function("authenticate_agent", |b| {
        b.to_async(&rt)
            .iter(|| async { server.call("authenticate_agent", login.clone()).await })
    });
    group.finish();
    rt.block_on(server.client.cancel())?;
    Ok(())
}

fn benches(c: &mut Criterion) {
    if let Err(err) = token_cost(c) {
        eprintln!("bench auth failed: {err}");
        std::process::exit(1);
    }
}

criterion_group!(auth, benches);
criterion_main!(auth);
