"""``/__fake__/*``: the back door tests, benchmarks and the demo use to steer the fake.

None of these paths exist on LINE; they need no token and are not recorded.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify, request

from bot.devtools.fake_line.faults import FaultConfig
from bot.devtools.fake_line.state import FakeLineState


def register_control_routes(app: Flask, state: FakeLineState) -> None:
    """Attach the control endpoints for ``state`` to ``app``."""

    def payload() -> dict[str, Any]:
        data = request.get_json(silent=True)
        return data if isinstance(data, dict) else {}

    def bad(message: str) -> tuple[Any, int]:
        return jsonify({"message": message}), 400

    @app.post("/__fake__/reply-tokens")
    def issue_reply_token() -> Any:
        return jsonify({"replyToken": state.issue_reply_token(payload().get("userId"))}), 201

    @app.get("/__fake__/requests")
    def list_requests() -> Any:
        records = state.requests(request.args.get("path"))
        return jsonify({"requests": [record.to_json() for record in records]})

    @app.get("/__fake__/counts")
    def count_requests() -> Any:
        """``{path: {status: n}}``: what a benchmark polls while it runs, without the bodies."""
        counts: dict[str, dict[str, int]] = {}
        for record in state.requests():
            by_status = counts.setdefault(record.path, {})
            by_status[str(record.status)] = by_status.get(str(record.status), 0) + 1
        return jsonify(counts)

    @app.delete("/__fake__/requests")
    def clear_requests() -> Any:
        state.clear_requests()
        return jsonify({}), 200

    @app.get("/__fake__/deliveries")
    def deliveries() -> Any:
        user_id = request.args.get("userId")
        if user_id:
            return jsonify({user_id: state.messages_to(user_id)})
        return jsonify(state.deliveries())

    @app.get("/__fake__/faults")
    def get_faults() -> Any:
        return jsonify(state.faults.config.to_json())

    @app.post("/__fake__/faults")
    def set_faults() -> Any:
        data = payload()
        try:
            config = FaultConfig.from_json(data)
        except (TypeError, ValueError) as error:
            return bad(str(error))
        seed = data.get("seed")
        state.faults.configure(config, int(seed) if seed is not None else None)
        return jsonify(config.to_json())

    @app.delete("/__fake__/faults")
    def clear_faults() -> Any:
        state.clear_faults()
        return jsonify({})

    @app.post("/__fake__/blocked")
    def block() -> Any:
        user_ids = payload().get("userIds")
        if not isinstance(user_ids, list):
            return bad("userIds must be a list")
        state.block(user_ids)
        return jsonify({"blocked": state.blocked()})

    @app.delete("/__fake__/blocked")
    def unblock() -> Any:
        user_ids = payload().get("userIds")
        state.unblock(user_ids if isinstance(user_ids, list) else None)
        return jsonify({"blocked": state.blocked()})

    @app.post("/__fake__/profiles")
    def set_profile() -> Any:
        data = payload()
        if not isinstance(data.get("userId"), str):
            return bad("userId is required")
        state.set_profile(data["userId"], data.get("displayName"),
                          language=data.get("language", "ja"),
                          picture_url=data.get("pictureUrl"),
                          status_message=data.get("statusMessage"))
        return jsonify(state.profile(data["userId"]) or {}), 201

    @app.post("/__fake__/quota")
    def set_quota() -> Any:
        """``{"type": "none"}`` or ``{"type": "limited", "value": N}``; ``totalUsage`` resets usage."""
        data = payload()
        if data.get("type") == "none":
            state.set_quota(None)
        elif "value" in data:
            state.set_quota(int(data["value"]))
        if "totalUsage" in data:
            state.set_consumption(int(data["totalUsage"]))
        return jsonify({**state.quota_json(), **state.consumption_json()})

    @app.post("/__fake__/rate-limits")
    def set_rate_limits() -> Any:
        """``{"push": 10, "multicast": null}``: requests per second per endpoint, null = none."""
        for endpoint, limit in payload().items():
            state.limiter.set_limit(endpoint, None if limit is None else float(limit))
        return jsonify({})
