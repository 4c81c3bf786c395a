//! The dashboard in real Chromium (chromedriver + fantoccini): log in, drill from the city to
//! an estate, check that ECharts drew (maps over the units' outlines, a plan's routes over its
//! district), switch to English, look an item up in the guide,
//! export a table and open the file, and on a phone escalate a rectification case through its
//! page's form and see the targets chart. Screenshots go to `target/browser-artifacts/`.
//!
//! Needs `chromium` and `chromium-driver` (`.ci/run` installs them). Without chromedriver on the
//! PATH the test fails, saying so, unless `FENLEI_SKIP_BROWSER=1` is set.

#[path = "it/fixture.rs"]
#[allow(dead_code)]
mod fixture;

use fantoccini::{ClientBuilder, Locator};
use fenlei_server::ServerConfig;
use fixture::{Fixture, PASSWORD};
use std::path::PathBuf;
use std::time::{Duration, Instant};

fn artifacts() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/browser-artifacts");
    std::fs::create_dir_all(&dir).expect("artifacts dir");
    dir
}

struct Driver(std::process::Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn shot(c: &fantoccini::Client, name: &str) {
    let png = c.screenshot().await.expect("screenshot");
    std::fs::write(artifacts().join(format!("{name}.png")), png).expect("write screenshot");
}

async fn wait_for(c: &fantoccini::Client, css: &str) -> fantoccini::elements::Element {
    c.wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_logs_in_drills_down_switches_language_looks_up_and_exports() {
    let Some(chromedriver) = ["chromedriver", "/usr/bin/chromedriver"]
        .into_iter()
        .find(|p| {
            std::process::Command::new(p)
                .arg("--version")
                .output()
                .is_ok()
        })
    else {
        assert!(
            std::env::var_os("FENLEI_SKIP_BROWSER").is_some(),
            "chromedriver not found: apt-get install -y chromium chromium-driver (or set FENLEI_SKIP_BROWSER=1)"
        );
        return;
    };
    let f = Fixture::with_plan(ServerConfig::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let server = tokio::spawn(fenlei_server::serve(f.state.clone(), listener));

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("port")
        .local_addr()
        .expect("addr")
        .port();
    let _driver = Driver(
        std::process::Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start chromedriver"),
    );
    let t = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            t.elapsed() < Duration::from_secs(20),
            "chromedriver did not start"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let downloads = tempfile::tempdir().expect("downloads");
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,1000"],
            "prefs": {"download.default_directory": downloads.path(), "download.prompt_for_download": false},
        }),
    );
    let c = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("a Chromium session");
    let base = format!("http://{addr}");

    // Log in (the login page is where an anonymous visit lands).
    c.goto(&format!("{base}/")).await.expect("goto");
    wait_for(&c, "form.login").await;
    c.find(Locator::Css("input[name=name]"))
        .await
        .expect("name")
        .send_keys("city_admin")
        .await
        .expect("type");
    c.find(Locator::Css("input[name=password]"))
        .await
        .expect("pw")
        .send_keys(PASSWORD)
        .await
        .expect("type");
    c.find(Locator::Css("form.login button"))
        .await
        .expect("button")
        .click()
        .await
        .expect("click");
    wait_for(&c, "div.cards").await;
    wait_for(&c, "div[data-chart=trend] canvas").await;
    shot(&c, "1-overview").await;

    // Drill down: city → district → street → community → estate, by the links on each page.
    let model = f.state.model();
    let mut code = f.city.clone();
    c.goto(&format!("{base}/u/{code}")).await.expect("goto");
    for level in ["district", "street", "community", "estate"] {
        let child = model
            .units
            .iter()
            .find(|u| u.level.key() == level && model.unit(u.parent.expect("parent")).code == code)
            .expect("child");
        let href = if level == "estate" {
            format!("/e/{}", child.code)
        } else {
            format!("/u/{}", child.code)
        };
        let link = wait_for(&c, &format!("table a[href='{href}']")).await;
        link.click().await.expect("click");
        wait_for(&c, "h1").await;
        let h1 = c
            .find(Locator::Css("h1"))
            .await
            .expect("h1")
            .text()
            .await
            .expect("text");
        assert!(h1.contains(&child.name), "{level}: {h1}");
        code = child.code.clone();
        if level == "street" {
            // The communities' outlines, fetched from the shapes endpoint and registered.
            wait_for(&c, "div[data-chart=map][data-drawn=outlines] canvas").await;
            c.execute(
                "document.querySelector('div[data-chart=map]').scrollIntoView();",
                vec![],
            )
            .await
            .expect("scroll");
            shot(&c, "2-street").await;
        }
    }
    wait_for(&c, "div[data-chart=hours] canvas").await;
    shot(&c, "3-estate").await;

    // The plan's routes over its district's outline.
    c.goto(&format!("{base}/plans")).await.expect("goto");
    wait_for(&c, "div[data-chart=routes][data-drawn=outlines] canvas").await;
    c.execute(
        "document.querySelector('div[data-chart=routes]').scrollIntoView();",
        vec![],
    )
    .await
    .expect("scroll");
    shot(&c, "3-plan-routes").await;
    c.back().await.expect("back");
    wait_for(&c, "div[data-chart=hours] canvas").await;

    // English.
    c.find(Locator::Css("a#lang"))
        .await
        .expect("switch")
        .click()
        .await
        .expect("click");
    wait_for(&c, "h1").await;
    let body = c
        .find(Locator::Css("main"))
        .await
        .expect("main")
        .text()
        .await
        .expect("text");
    assert!(body.contains("Recent put-ins"), "English page: {body}");
    shot(&c, "4-estate-en").await;

    // Export the recent put-ins as CSV and open the file.
    let export = c
        .find(Locator::Css(
            "a.export[href*='/api/v1/estates/']:not([href*='/points']):not([href*='/incidents']):not([href*='/inspections'])[href*='format=csv']",
        ))
        .await
        .expect("export link");
    export.click().await.expect("click");
    let t = Instant::now();
    let file = loop {
        let found = std::fs::read_dir(downloads.path())
            .expect("downloads")
            .filter_map(Result::ok)
            .map(|e| e.path())
            .find(|p| p.extension().is_some_and(|e| e == "csv"));
        if let Some(p) = found {
            break p;
        }
        assert!(t.elapsed() < Duration::from_secs(20), "no CSV downloaded");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let csv = std::fs::read_to_string(&file).expect("read the export");
    assert!(
        csv.starts_with("time,point,category,grams,verdict\n"),
        "{csv}"
    );
    assert!(csv.lines().count() > 1, "the export holds the table's rows");

    // The guide (the language stays English), no login needed.
    c.goto(&format!("{base}/guide")).await.expect("goto");
    let q = wait_for(&c, "input[name=q]").await;
    q.send_keys("废电池").await.expect("type");
    c.find(Locator::Css("form.guide button"))
        .await
        .expect("button")
        .click()
        .await
        .expect("click");
    wait_for(&c, "div.answer.hazardous").await;
    shot(&c, "5-guide").await;

    // On a phone: the overview fits the width (no horizontal scrolling of the page).
    c.set_window_size(390, 844).await.expect("resize");
    c.goto(&format!("{base}/")).await.expect("goto");
    wait_for(&c, "div[data-chart=trend] canvas").await;
    let overflow = c
        .execute(
            "return document.documentElement.scrollWidth - window.innerWidth;",
            vec![],
        )
        .await
        .expect("script");
    assert!(
        overflow.as_i64().is_some_and(|o| o <= 0),
        "the page scrolls sideways on a phone: {overflow}"
    );
    shot(&c, "6-phone-overview").await;

    // A rectification case worked on the phone: from the list to its page, escalated one
    // level by the form, the timeline showing it.
    let id = {
        let db = f.dir.path().join("db");
        let store = fenlei_store::EmbeddedStore::open_for_queries(&db).expect("store");
        let mut gov = fenlei_app::govern::open(&db).expect("governance");
        let now = fenlei_domain::Timestamp::now();
        let new = fenlei_governance::cases::NewCase {
            origin: "manual".into(),
            unit: f.estates[0].clone(),
            responsible: format!("property:{}", f.estates[0]),
            problem: "厨余桶满溢".into(),
            action: "加桶并清运".into(),
            deadline: fenlei_domain::Timestamp(now.0 + 7 * 86_400),
        };
        fenlei_app::govern::cases::open(&store, &mut gov, new, "督导员", now)
            .expect("case")
            .id
    };
    c.goto(&format!("{base}/cases")).await.expect("goto");
    wait_for(&c, &format!("table a[href='/cases/CASE-{id:06}']"))
        .await
        .click()
        .await
        .expect("click");
    wait_for(&c, "form.act[action$='/act/escalate'] button")
        .await
        .click()
        .await
        .expect("click");
    wait_for(&c, "ol.timeline li:nth-child(2)").await;
    let timeline = c
        .find(Locator::Css("ol.timeline"))
        .await
        .expect("timeline")
        .text()
        .await
        .expect("text");
    assert!(timeline.contains("escalated"), "{timeline}");
    let overflow = c
        .execute(
            "return document.documentElement.scrollWidth - window.innerWidth;",
            vec![],
        )
        .await
        .expect("script");
    assert!(
        overflow.as_i64().is_some_and(|o| o <= 0),
        "the case page scrolls sideways on a phone: {overflow}"
    );
    shot(&c, "7-phone-case").await;

    // The targets page draws its chart.
    c.goto(&format!("{base}/targets")).await.expect("goto");
    wait_for(&c, "div[data-chart=targets] canvas").await;
    shot(&c, "8-phone-targets").await;

    c.close().await.expect("close");
    server.abort();
}
