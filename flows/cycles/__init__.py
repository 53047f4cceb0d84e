"""Opening a cycle (开启考核: check the deadlines, freeze the roster, tell every examinee) and
reporting where it stands (``kaohe cycle status``): ``opening`` and ``status``, each imported by name
(``kaohe cycle open`` does not load the review's modules that the status reads)."""
