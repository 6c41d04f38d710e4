//! The kinds of unit resident in a street's area (驻区单位).

use crate::Code;

coded_enum! {
    /// What kind of organisation a resident unit is.
    UnitKind, Code::CoopUnitKindUnknown, "kind", "resident unit kind", {
        /// 机关: party and government offices.
        Government => "government", "机关" | "党政机关",
        /// 事业单位
        PublicInstitution => "public_institution", "事业单位",
        /// 国企
        StateFirm => "state_firm", "国企" | "国有企业",
        /// 高校
        University => "university", "高校" | "高等院校",
        /// 医院
        Hospital => "hospital", "医院" | "医疗机构",
        /// 民企
        PrivateFirm => "private_firm", "民企" | "民营企业",
        /// 社会组织
        Ngo => "ngo", "社会组织",
        /// 学校: primary and secondary schools.
        School => "school", "学校" | "中小学",
        /// 其他
        Other => "other", "其他",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_kinds_parse_from_code_or_chinese() {
        assert_eq!(UnitKind::parse("state_firm"), Ok(UnitKind::StateFirm));
        assert_eq!(UnitKind::parse("国有企业"), Ok(UnitKind::StateFirm));
        assert_eq!(UnitKind::parse("社会组织"), Ok(UnitKind::Ngo));
        assert_eq!(UnitKind::ALL.len(), 9);
        for k in UnitKind::ALL {
            assert_eq!(UnitKind::parse(k.zh()), Ok(*k));
        }
        let e = UnitKind::parse("shop").expect_err("unknown");
        assert_eq!(
            (e.code, e.field()),
            (Code::CoopUnitKindUnknown, Some("kind"))
        );
    }
}
