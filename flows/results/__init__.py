"""The results of a cycle (考核结果) as every part reads them: the review, the appeals, the home screen and
the archive (reading none of them).

- ``board``: the review board (复核平衡): every examinee's scores, total and grade, department by
  department, with the committee's changes laid over the scorer's and the distribution rules checked;
- ``result``: one examinee's result that stands (``final_result``: the released one, with a decided
  appeal applied), and its text;
- ``fingerprint``: what a signature signs (签字所据), a hash over the results of one version.

Each module is imported by name, none here.
"""
