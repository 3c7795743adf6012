// Codec benchmark peer: the kafka-protocol crate decoding (Decodable::decode) and
// re-encoding (Encodable::encode) the same bodies our codec gets. One JSON line per input.
use bytes::{Bytes, BytesMut};
use kafka_protocol::messages::{FetchResponse, MetadataResponse, ProduceRequest};
use kafka_protocol::protocol::{Decodable, Encodable};
use std::time::{Duration, Instant};

/// Repeats `f` until at least `min` has passed; returns seconds per call.
fn run(min: Duration, mut f: impl FnMut()) -> f64 {
    let mut n: u64 = 1;
    loop {
        let start = Instant::now();
        for _ in 0..n {
            f();
        }
        let el = start.elapsed();
        if el >= min {
            return el.as_secs_f64() / n as f64;
        }
        n *= 2;
    }
}

fn bench<T: Decodable + Encodable>(name: &str, body: Bytes, version: i16) {
    let decoded = T::decode(&mut body.clone(), version).expect("decode");
    let mut check = BytesMut::new();
    decoded.encode(&mut check, version).expect("encode");
    let identical = check.as_ref() == body.as_ref();
    let decode = run(Duration::from_secs(1), || {
        let m = T::decode(&mut body.clone(), version).expect("decode");
        std::hint::black_box(m);
    });
    let mut out = BytesMut::with_capacity(body.len());
    let both = run(Duration::from_secs(1), || {
        let m = T::decode(&mut body.clone(), version).expect("decode");
        out.clear();
        m.encode(&mut out, version).expect("encode");
        std::hint::black_box(&out);
    });
    println!(
        "{}",
        serde_json::json!({"name": name, "decodeSec": decode, "roundTripSec": both, "bytes": body.len(), "identical": identical})
    );
}

fn main() {
    let path = std::env::args().nth(1).expect("inputs.json");
    let inputs: serde_json::Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    for input in inputs.as_array().unwrap() {
        let name = input["name"].as_str().unwrap();
        let version = input["version"].as_i64().unwrap() as i16;
        let body = Bytes::from(std::fs::read(input["file"].as_str().unwrap()).unwrap());
        match (input["apiKey"].as_i64().unwrap(), input["response"].as_bool().unwrap()) {
            (0, false) => bench::<ProduceRequest>(name, body, version),
            (3, true) => bench::<MetadataResponse>(name, body, version),
            (1, true) => bench::<FetchResponse>(name, body, version),
            other => panic!("no peer type for {:?}", other),
        }
    }
}
