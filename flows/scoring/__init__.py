"""The supervisor's scoring (直接上级评定, 评分表 附表三), behind ``/score``."""
