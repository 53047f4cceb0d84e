"""The self-assessment (自我评定, 附表一), behind ``/self``."""
