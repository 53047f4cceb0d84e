"""The committee's review (复核确认), its sign-off (复核签字) and each examinee's private
result (``/result``)."""
