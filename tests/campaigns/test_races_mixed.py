"""Mixed races: reviewers and senders click Phê duyệt / Từ chối / Hủy phê duyệt / Gửi at once (issue 5).

Rounds of 12 threads, each with its own app context and connection, act on two
registrations at the same moment. After every round the invariants hold: each
registration is in exactly one state, its audit events form one unbroken
chain of legal moves (each event's from-state is the previous event's
to-state, every step is in the transition table or is the "Gửi lại" of a
list a revoke just reopened), and there is exactly one
event per change that a thread was told succeeded.
"""
import random

from adminapp import labels
from adminapp.extensions import db
from adminapp.workflow import registrations as regs
from models import AuditEvent, Registration, User
from tests import summary
from tests.security.concurrency import run_together

ROUNDS, WORKERS = 4, 12
MOVES = [("hanoi.officer", "approve"), ("hanoi.officer", "reject"), ("hanoi.officer", "revoke"),
         ("hoankiem.officer", "send"), ("vinh.officer", "approve")]  # the last one is never allowed


def chain(reg_id):
    return db.session.execute(db.select(AuditEvent).where(
        AuditEvent.object_type == "registration", AuditEvent.object_id == str(reg_id),
        AuditEvent.action.in_([f"registration.{a}" for a in regs.ACTIONS])).order_by(AuditEvent.id)).scalars().all()


def test_mixed_concurrent_transitions_keep_every_invariant(ctx, make_campaign, registration_of, fill, user):
    c = make_campaign(units=("01-002",))
    reg = fill(registration_of(c, "01-002"))
    regs.apply(user("hoankiem.officer"), reg.id, "send")
    db.session.commit()
    reg_id = reg.id
    ids = {name: user(name).id for name, _ in MOVES}
    rnd = random.Random(5)
    breaks = 0
    for _ in range(ROUNDS):
        plan = [rnd.choice(MOVES) for _ in range(WORKERS)]
        before = len(chain(reg_id))
        db.session.remove()

        def click(i, plan=plan):
            who, action = plan[i]
            actor = db.session.get(User, ids[who])
            try:
                regs.apply(actor, reg_id, action, "Lý do kiểm thử")
                db.session.commit()
                return "ok"
            except Exception as exc:  # noqa: BLE001 - refusals (TransitionError, PermissionDenied) are outcomes
                db.session.rollback()
                return type(exc).__name__

        outcomes = run_together(ctx, WORKERS, click)
        assert not [o for o in outcomes if isinstance(o, BaseException)], outcomes
        events = chain(reg_id)
        state = db.session.get(Registration, reg_id).status
        ok = outcomes.count("ok")
        steps = [(e.from_state, e.to_state, e.action.split(".")[1]) for e in events]
        # a move of the table, or "Gửi lại" (RESEND, pending -> pending) right after a revoke reopened the list
        legal = all(regs.TRANSITIONS.get((f, a)) == t
                    or ((f, a) == regs.RESEND and t == "pending" and k and steps[k - 1][2] == "revoke")
                    for k, (f, t, a) in enumerate(steps))
        linked = all(steps[k][0] == steps[k - 1][1] for k in range(1, len(steps)))
        holds = (len(events) - before == ok and legal and linked and steps[-1][1] == state
                 and state in labels.REGISTRATION_STATUSES)
        breaks += not holds
        assert holds, (plan, outcomes, steps, state)
        # the never-allowed reviewer from another branch changed nothing
        assert all(not (plan[i][0] == "vinh.officer" and o == "ok") for i, o in enumerate(outcomes))
    backend = ctx.config["BACKEND"]
    summary.count(f"workflow-races-{backend}",
                  "workflow races [" + backend + "]: {runs} rounds of {workers} concurrent approve/reject/revoke/"
                  "send clicks, {breaks} invariant breaks", runs=ROUNDS, breaks=breaks)
    summary.COUNTERS[f"workflow-races-{backend}"]["workers"] = WORKERS
