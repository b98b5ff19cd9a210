//! What the repository writes in several places is checked against its one definition: the
//! endpoint list against `wynacom::endpoints::Endpoint`, the template's function ids against
//! their naming rule, the tests' token table against template.yaml's `TokenTable`. (The scripts
//! hold no list of their own: they read the router of the root Cargo.toml, checked here.)

use crate::app::{TokenTable, root};
use serde_json::Value;
use std::collections::BTreeSet;
use wynacom::{endpoints::Endpoint, testing::function_logical_id};

fn names() -> BTreeSet<String> {
    Endpoint::ALL.iter().map(|e| e.name().to_string()).collect()
}

fn read(path: &str) -> String {
    std::fs::read_to_string(root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn yaml(path: &str) -> serde_norway::Value {
    serde_norway::from_str(&read(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The keys of a YAML mapping.
fn keys(v: &serde_norway::Value) -> BTreeSet<String> {
    v.as_mapping()
        .into_iter()
        .flat_map(|m| m.keys())
        .filter_map(|k| k.as_str().map(str::to_string))
        .collect()
}

/// template.yaml's functions: logical id to binary (`Metadata.BuildProperties.Binary`).
fn functions(template: &serde_norway::Value) -> std::collections::BTreeMap<String, String> {
    template["Resources"]
        .as_mapping()
        .unwrap()
        .iter()
        .filter_map(|(id, r)| {
            let binary = r["Metadata"]["BuildProperties"]["Binary"].as_str()?;
            Some((id.as_str()?.to_string(), binary.to_string()))
        })
        .collect()
}

#[test]
fn every_list_of_endpoints_is_the_endpoint_enum() {
    let want = names();
    let paths: BTreeSet<String> = want.iter().map(|n| format!("/{n}")).collect();

    // One binary per endpoint, named as it (a binary that is no endpoint, with no route, is
    // still one of the template's functions: checked below).
    let bins: BTreeSet<String> = std::fs::read_dir(root().join("functions/src/bin"))
        .unwrap()
        .filter_map(|e| e.ok()?.path().file_stem()?.to_str().map(str::to_string))
        .collect();
    assert!(
        bins.is_superset(&want),
        "functions/src/bin: {bins:?}, expected every endpoint of {want:?}"
    );

    // The local API's router (root Cargo.toml): the production path of each, to its binary.
    let out = std::process::Command::new(env!("CARGO"))
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(root())
        .output()
        .expect("cargo metadata");
    let meta: Value = serde_json::from_slice(&out.stdout).expect("cargo metadata JSON");
    let router = meta["metadata"]["lambda"]["watch"]["router"]
        .as_object()
        .expect("[workspace.metadata.lambda.watch.router]");
    let routes: BTreeSet<(String, String)> = router
        .iter()
        .map(|(p, b)| (p.clone(), b.as_str().unwrap_or_default().to_string()))
        .collect();
    let want_routes: BTreeSet<(String, String)> = Endpoint::ALL
        .iter()
        .map(|e| (e.path(), e.name().to_string()))
        .collect();
    assert_eq!(routes, want_routes, "Cargo.toml router");

    // template.yaml: one function per binary, one API path per endpoint.
    let template = yaml("template.yaml");
    let binaries: BTreeSet<String> = functions(&template).into_values().collect();
    assert_eq!(binaries, bins, "template.yaml functions");
    let api_paths =
        keys(&template["Resources"]["RestApi"]["Properties"]["DefinitionBody"]["paths"]);
    assert_eq!(api_paths, paths, "template.yaml API paths");

    // The contract: docs/openapi.yaml's paths.
    assert_eq!(
        keys(&yaml("docs/openapi.yaml")["paths"]),
        paths,
        "docs/openapi.yaml"
    );

    // events/: every event is for an endpoint, every endpoint has events.
    let expected: Value = serde_json::from_str(&read("events/expected.json")).unwrap();
    let evented: BTreeSet<String> = expected
        .as_object()
        .unwrap()
        .values()
        .filter_map(|e| e["endpoint"].as_str().map(str::to_string))
        .collect();
    assert_eq!(evented, want, "events/expected.json");
}

#[tokio::test]
async fn the_local_token_table_is_the_templates() {
    let template = yaml("template.yaml");
    let props = &template["Resources"]["TokenTable"]["Properties"];
    let created = TokenTable::create().await;
    let (client, name) = (&created.client, &created.name);
    let table = client
        .describe_table()
        .table_name(name)
        .send()
        .await
        .unwrap()
        .table
        .unwrap();

    // (name, type) pairs of a template list, e.g. KeySchema's AttributeName and KeyType.
    let pairs = |list: &str, second: &str| -> Vec<(String, String)> {
        let field = |v: &serde_norway::Value, f: &str| v[f].as_str().unwrap().to_string();
        let items = props[list].as_sequence().unwrap().iter();
        items
            .map(|v| (field(v, "AttributeName"), field(v, second)))
            .collect()
    };
    let key: Vec<(String, String)> = table
        .key_schema()
        .iter()
        .map(|k| (k.attribute_name().into(), k.key_type().as_str().into()))
        .collect();
    assert_eq!(key, pairs("KeySchema", "KeyType"), "key schema");
    let attrs: Vec<(String, String)> = table
        .attribute_definitions()
        .iter()
        .map(|a| {
            (
                a.attribute_name().into(),
                a.attribute_type().as_str().into(),
            )
        })
        .collect();
    assert_eq!(
        attrs,
        pairs("AttributeDefinitions", "AttributeType"),
        "attributes"
    );

    let billing = table
        .billing_mode_summary()
        .and_then(|b| b.billing_mode())
        .map(|m| m.as_str().to_string());
    assert_eq!(
        billing.as_deref(),
        props["BillingMode"].as_str(),
        "billing mode"
    );

    let ttl = client
        .describe_time_to_live()
        .table_name(name)
        .send()
        .await
        .unwrap()
        .time_to_live_description
        .unwrap();
    assert_eq!(
        ttl.attribute_name(),
        props["TimeToLiveSpecification"]["AttributeName"].as_str(),
        "TTL attribute"
    );
    assert_eq!(
        props["TimeToLiveSpecification"]["Enabled"].as_bool(),
        Some(true)
    );
}

/// The end-to-end tests find an endpoint's function in the template by this rule
/// (`sam local invoke <LogicalId>`); so does an operator.
#[test]
fn every_function_id_is_its_binary_in_camel_case() {
    let template = yaml("template.yaml");
    let functions = functions(&template);
    for (id, binary) in &functions {
        assert_eq!(id, &function_logical_id(binary), "template.yaml: {binary}");
    }
    for endpoint in Endpoint::ALL {
        let id = function_logical_id(endpoint.name());
        assert_eq!(
            functions.get(&id).map(String::as_str),
            Some(endpoint.name()),
            "template.yaml: {id}"
        );
    }
    assert_eq!(
        function_logical_id("generate_token"),
        "GenerateTokenFunction"
    );
}
