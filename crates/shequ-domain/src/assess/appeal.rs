//! Appeals (申诉): a subject disputes an order counted for it — routed to
//! it by mistake, or outside its duty — and the street accepts or rejects
//! the appeal with a reason. An accepted appeal takes the order out of
//! that subject's figures for the period (the store keeps the decision
//! and the order's trail records it); a rejected one leaves it in.

use crate::{Code, InvalidValue};

coded_enum! {
    /// Why the subject says the order is not theirs to be judged on.
    AppealGround, Code::AssessAppealGroundUnknown, "ground", "ground of appeal", {
        /// 派单错误: routed to the subject by mistake.
        WronglyRouted => "wrongly_routed", "派单错误" | "错派",
        /// 非职责范围: outside the subject's duty.
        OutsideDuty => "outside_duty", "非职责范围",
        /// 其他: anything else, said in the reason.
        Other => "other", "其他",
    }
}

coded_enum! {
    /// Where an appeal stands.
    AppealState, Code::AssessAppealStateUnknown, "state", "appeal state", {
        Pending => "pending", "待处理",
        Accepted => "accepted", "已采纳" | "采纳",
        Rejected => "rejected", "已驳回" | "驳回",
    }
}

/// The reason of a filing or a decision, trimmed; refused when empty.
pub fn reason(text: &str) -> Result<String, InvalidValue> {
    let t = text.trim();
    if t.is_empty() {
        return Err(InvalidValue::new(
            Code::AssessAppealReason,
            "give a reason: the other side reads it",
        )
        .at("reason"));
    }
    Ok(t.to_owned())
}

/// The street's decision on an appeal now `current`: accepted or rejected
/// once, with a reason.
pub fn decide(
    current: AppealState,
    accept: bool,
    why: &str,
) -> Result<(AppealState, String), InvalidValue> {
    if current != AppealState::Pending {
        return Err(InvalidValue::new(
            Code::AssessAppealDecided,
            format!(
                "this appeal was {} already; an appeal is decided once",
                current.as_str()
            ),
        ));
    }
    let why = reason(why)?;
    Ok((
        if accept {
            AppealState::Accepted
        } else {
            AppealState::Rejected
        },
        why,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_appeal_is_decided_once_with_a_reason() {
        let (s, why) = decide(AppealState::Pending, true, " 属物业职责 ").expect("accept");
        assert_eq!((s, why.as_str()), (AppealState::Accepted, "属物业职责"));
        assert_eq!(
            decide(AppealState::Pending, false, "x").expect("reject").0,
            AppealState::Rejected
        );
        assert_eq!(
            decide(AppealState::Accepted, false, "x")
                .expect_err("twice")
                .code,
            Code::AssessAppealDecided
        );
        assert_eq!(
            decide(AppealState::Pending, true, " ")
                .expect_err("no reason")
                .code,
            Code::AssessAppealReason
        );
        assert_eq!(
            AppealGround::parse("错派").expect("alias"),
            AppealGround::WronglyRouted
        );
    }
}
