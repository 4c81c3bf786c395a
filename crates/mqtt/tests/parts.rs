//! Topics, broker URLs and device scopes.

use fenlei_domain::{Event, Level, Registry};
use fenlei_mqtt::devices::{DeviceRegistry, sim_device, sim_registry_csv};
use fenlei_mqtt::{Broker, DeviceTopic, parse_topic};
use fenlei_sim::{Preset, SimConfig, Sink, World};

#[test]
fn topics_and_broker_urls() {
    assert_eq!(
        parse_topic("fenlei/v1", "fenlei/v1/500000/truck/truck-A/pickup"),
        Some(DeviceTopic {
            city: "500000",
            kind: "truck",
            device: "truck-A",
            event_type: "pickup"
        })
    );
    assert_eq!(
        parse_topic("fenlei/v1", "fenlei/v1/500000/rejects/bin-P1"),
        None
    );
    assert_eq!(parse_topic("fenlei/v1", "fenlei/v1/500000/a/b/c/d"), None);
    assert_eq!(parse_topic("fenlei/v1", "other/v1/500000/a/b/c"), None);
    assert_eq!(
        Broker::parse("mqtt://127.0.0.1:1883").expect("url"),
        Broker {
            host: "127.0.0.1".into(),
            port: 1883
        }
    );
    assert_eq!(Broker::parse("broker").expect("host").port, 1883);
    assert!(Broker::parse("mqtts://x:8883").is_err());
    assert!(Broker::parse("mqtt://x:port").is_err());
}

struct All(Vec<Event>);
impl Sink for All {
    type Error = ();
    fn event(&mut self, _: &str, e: &Event) -> Result<(), ()> {
        self.0.push(e.clone());
        Ok(())
    }
}

#[test]
fn every_simulated_device_may_report_its_own_events_and_nothing_of_others() {
    let world = World::build(Preset::Tiny, 2);
    let registry = Registry::new(world.model.clone(), Vec::new());
    let devices = DeviceRegistry::parse(&sim_registry_csv(&world.model), &registry).expect("csv");
    let mut all = All(Vec::new());
    let start = fenlei_domain::Day::parse("2026-11-01").expect("day");
    fenlei_sim::run(&world, SimConfig { start, days: 7 }, &mut all).expect("sim");
    let points: Vec<_> = world
        .model
        .at_level(Level::Point)
        .map(|u| u.code.clone())
        .collect();
    for e in &all.0 {
        let (_, device) = sim_device(&world.model, e);
        assert_eq!(devices.permits(&world.model, &device, e), Ok(()), "{e:?}");
        if let Event::PutIn(p) = e {
            let own = &world.model.unit(p.point).code;
            let other = points.iter().find(|c| *c != own).expect("two points");
            let err = devices
                .permits(&world.model, &format!("bin-{other}"), e)
                .expect_err("another bin");
            assert!(err.contains(own), "{err}");
        }
    }
    assert!(devices.permits(&world.model, "nobody", &all.0[0]).is_err());
    assert!(DeviceRegistry::parse("device,may_report_for\nx,NOPE\n", &registry).is_err());
    assert!(DeviceRegistry::parse("id,scope\n", &registry).is_err());
}
