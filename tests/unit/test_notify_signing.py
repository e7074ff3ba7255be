"""Signatures: Aliyun's RPC v1 against the vectors Aliyun publishes; webhook signing and the
receiver's check."""

import base64
import hashlib
import hmac
import time

import pytest

from services.notify.domain.signing import (
    aliyun_rpc_signature,
    percent_encode,
    verify_webhook,
    webhook_signature,
)

pytestmark = pytest.mark.unit

# Aliyun's "RPC signature" documentation example (DescribeRegions, GET).
DESCRIBE_REGIONS = {
    "AccessKeyId": "testid",
    "Action": "DescribeRegions",
    "Format": "XML",
    "SignatureMethod": "HMAC-SHA1",
    "SignatureNonce": "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf",
    "SignatureVersion": "1.0",
    "Timestamp": "2016-02-23T12:46:24Z",
    "Version": "2014-05-26",
}
# Aliyun SMS's signature example (SendSms, GET), with its published string to sign.
SEND_SMS = {
    "AccessKeyId": "testId",
    "Action": "SendSms",
    "Format": "XML",
    "OutId": "123",
    "PhoneNumbers": "15300000001",
    "RegionId": "cn-hangzhou",
    "SignName": "阿里云短信测试专用",
    "SignatureMethod": "HMAC-SHA1",
    "SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466",
    "SignatureVersion": "1.0",
    "TemplateCode": "SMS_71390007",
    "TemplateParam": '{"customer":"test"}',
    "Timestamp": "2017-07-12T02:42:19Z",
    "Version": "2017-05-25",
}
SEND_SMS_STRING_TO_SIGN = (
    "GET&%2F&AccessKeyId%3DtestId%26Action%3DSendSms%26Format%3DXML%26OutId%3D123"
    "%26PhoneNumbers%3D15300000001%26RegionId%3Dcn-hangzhou%26SignName%3D%25E9%2598%25BF"
    "%25E9%2587%258C%25E4%25BA%2591%25E7%259F%25AD%25E4%25BF%25A1%25E6%25B5%258B%25E8%25AF"
    "%2595%25E4%25B8%2593%25E7%2594%25A8%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce"
    "%3D45e25e9b-0a6f-4070-8c85-2956eda1b466%26SignatureVersion%3D1.0%26TemplateCode"
    "%3DSMS_71390007%26TemplateParam%3D%257B%2522customer%2522%253A%2522test%2522%257D"
    "%26Timestamp%3D2017-07-12T02%253A42%253A19Z%26Version%3D2017-05-25"
)


def test_the_documented_describe_regions_signature():
    assert aliyun_rpc_signature(DESCRIBE_REGIONS, "testsecret", method="GET") == (
        "OLeaidS1JvxuMvnyHOwuJ+uX5qY="
    )


def test_the_documented_send_sms_signature():
    assert aliyun_rpc_signature(SEND_SMS, "testSecret", method="GET") == (
        "zJDF+Lrzhj/ThnlvIToysFRq6t4="
    )


def test_post_signs_the_same_string_with_post_in_front():
    to_sign = "POST" + SEND_SMS_STRING_TO_SIGN.removeprefix("GET")
    mac = hmac.new(b"testSecret&", to_sign.encode(), hashlib.sha1).digest()
    assert aliyun_rpc_signature(SEND_SMS, "testSecret") == base64.b64encode(mac).decode()


def test_a_signature_parameter_is_not_signed():
    signed = {**SEND_SMS, "Signature": "anything"}
    assert aliyun_rpc_signature(signed, "testSecret") == aliyun_rpc_signature(
        SEND_SMS, "testSecret"
    )


@pytest.mark.parametrize(
    ("raw", "encoded"),
    [("a b", "a%20b"), ("a*b", "a%2Ab"), ("a~b", "a~b"), ("-_.", "-_."), ("/", "%2F"),
     ("+", "%2B"), ("中", "%E4%B8%AD"), ("12:46", "12%3A46")],
)  # fmt: skip
def test_percent_encoding_is_rfc_3986_as_aliyun_wants(raw, encoded):
    assert percent_encode(raw) == encoded


BODY = '{"title":"停水通知"}'.encode()
NOW = 1_740_000_000


def headers(signature: str, timestamp: int = NOW) -> dict[str, str]:
    return {"X-RedVest-Timestamp": str(timestamp), "X-RedVest-Signature": signature}


def test_a_webhook_signature_is_hmac_sha256_of_timestamp_dot_body():
    expected = hmac.new(b"s3", f"{NOW}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert webhook_signature("s3", NOW, BODY) == f"v1={expected}"


def test_a_signed_request_verifies_with_header_names_in_any_case():
    signature = webhook_signature("s3", NOW, BODY)
    assert verify_webhook("s3", headers(signature), BODY, now=NOW + 10)
    lowered = {name.lower(): value for name, value in headers(signature).items()}
    assert verify_webhook("s3", lowered, BODY, now=NOW)


def test_a_tampered_body_another_secret_or_a_missing_header_fails():
    signature = webhook_signature("s3", NOW, BODY)
    assert not verify_webhook("s3", headers(signature), BODY + b" ", now=NOW)
    assert not verify_webhook("s4", headers(signature), BODY, now=NOW)
    assert not verify_webhook("s3", {"X-RedVest-Timestamp": str(NOW)}, BODY, now=NOW)
    assert not verify_webhook("s3", {"X-RedVest-Signature": signature}, BODY, now=NOW)
    assert not verify_webhook("s3", headers(signature, timestamp=NOW + 1), BODY, now=NOW)


def test_a_timestamp_too_old_or_too_far_ahead_fails():
    signature = webhook_signature("s3", NOW, BODY)
    assert verify_webhook("s3", headers(signature), BODY, now=NOW + 300)
    assert not verify_webhook("s3", headers(signature), BODY, now=NOW + 301)
    assert not verify_webhook("s3", headers(signature), BODY, now=NOW - 301)
    assert not verify_webhook("s3", headers(signature), BODY, now=NOW + 60, tolerance_s=30)
    assert not verify_webhook("s3", headers(signature, timestamp=-1), BODY, now=NOW)


def test_during_a_secret_rotation_either_signature_verifies():
    both = f"{webhook_signature('old', NOW, BODY)},{webhook_signature('new', NOW, BODY)}"
    assert verify_webhook("old", headers(both), BODY, now=NOW)
    assert verify_webhook("new", headers(both), BODY, now=NOW)
    assert not verify_webhook("other", headers(both), BODY, now=NOW)


def test_a_non_ascii_signature_header_is_refused_not_an_error():
    assert not verify_webhook("s3", headers("v1=签名"), BODY, now=NOW)


def test_the_real_clock_is_within_tolerance_of_a_fresh_signature():
    now = time.time()
    signature = webhook_signature("s3", int(now), BODY)
    assert verify_webhook("s3", headers(signature, int(now)), BODY, now=now)
