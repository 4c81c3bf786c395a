//! Chinese names and national division codes for the simulated city.
//!
//! District names and codes are Chongqing's (国标区划编码, as published for 2023; the simulator
//! uses them for realism only). Streets, communities and estates get generated names from
//! common place-name syllables, with codes that follow the national pattern (district code +
//! three digits per level); estates and points, which have no national code, get `E…`/`P…`.

use crate::rng::Rng;

/// Chongqing's 38 county-level divisions: code and name.
pub const CHONGQING_DISTRICTS: [(&str, &str); 38] = [
    ("500108", "南岸区"),
    ("500103", "渝中区"),
    ("500105", "江北区"),
    ("500106", "沙坪坝区"),
    ("500107", "九龙坡区"),
    ("500112", "渝北区"),
    ("500113", "巴南区"),
    ("500104", "大渡口区"),
    ("500109", "北碚区"),
    ("500101", "万州区"),
    ("500102", "涪陵区"),
    ("500110", "綦江区"),
    ("500111", "大足区"),
    ("500114", "黔江区"),
    ("500115", "长寿区"),
    ("500116", "江津区"),
    ("500117", "合川区"),
    ("500118", "永川区"),
    ("500119", "南川区"),
    ("500120", "璧山区"),
    ("500151", "铜梁区"),
    ("500152", "潼南区"),
    ("500153", "荣昌区"),
    ("500154", "开州区"),
    ("500155", "梁平区"),
    ("500156", "武隆区"),
    ("500229", "城口县"),
    ("500230", "丰都县"),
    ("500231", "垫江县"),
    ("500233", "忠县"),
    ("500235", "云阳县"),
    ("500236", "奉节县"),
    ("500237", "巫山县"),
    ("500238", "巫溪县"),
    ("500240", "石柱土家族自治县"),
    ("500241", "秀山土家族苗族自治县"),
    ("500242", "酉阳土家族苗族自治县"),
    ("500243", "彭水苗族土家族自治县"),
];

const PLACE_A: [&str; 40] = [
    "龙", "南", "花", "铜", "海", "涂", "长", "迎", "峡", "广", "鸡", "杨", "石", "金", "银", "玉",
    "青", "白", "黄", "新", "东", "西", "北", "上", "下", "大", "小", "天", "江", "山", "桃", "柳",
    "松", "竹", "梅", "兰", "福", "安", "平", "和",
];
const PLACE_B: [&str; 40] = [
    "门", "坪", "园", "元", "棠", "山", "生", "龙", "口", "阳", "冠", "家", "桥", "湾", "坝", "岭",
    "溪", "林", "岗", "塘", "沙", "河", "湖", "台", "庙", "街", "场", "苑", "峰", "滩", "渡", "港",
    "坡", "池", "堡", "院", "田", "关", "寺", "亭",
];
const ESTATE_A: [&str; 24] = [
    "阳光", "锦绣", "翠湖", "金色", "紫荆", "望江", "滨江", "碧水", "恒大", "融创", "龙湖", "万科",
    "香榭", "蓝湾", "和平", "幸福", "康乐", "书香", "星河", "明珠", "朝阳", "长江", "嘉陵", "丽景",
];
const ESTATE_B: [&str; 12] = [
    "小区", "花园", "苑", "家园", "新村", "公寓", "佳园", "名都", "雅居", "府", "城", "里",
];

/// Index in [`CHONGQING_DISTRICTS`] of the first county (县): the divisions before it are
/// urban districts (区).
pub const FIRST_COUNTY: usize = 26;

/// A generated two-syllable place name.
pub fn place(rng: &mut Rng) -> String {
    format!("{}{}", rng.pick(&PLACE_A), rng.pick(&PLACE_B))
}

/// A street (街道) name.
pub fn street(rng: &mut Rng) -> String {
    format!("{}街道", place(rng))
}

/// A town (镇) name.
pub fn town(rng: &mut Rng) -> String {
    format!("{}镇", place(rng))
}

/// A village (村) name.
pub fn village(rng: &mut Rng) -> String {
    format!("{}村", place(rng))
}

/// A community (社区) name.
pub fn community(rng: &mut Rng) -> String {
    format!("{}社区", place(rng))
}

/// An estate (小区) name; `n` disambiguates phases (一期, 二期…).
pub fn estate(rng: &mut Rng, n: u32) -> String {
    let phase = ["", "一期", "二期", "三期"][(n % 4) as usize];
    format!("{}{}{phase}", rng.pick(&ESTATE_A), rng.pick(&ESTATE_B))
}
