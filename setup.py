"""Packaging for Neurolab, driven by settings.ini (nbdev 2 layout).

settings.ini is read with configparser rather than pkg_resources, which current
setuptools no longer ships. torch is deliberately not a requirement: Colab brings its
own, and the README set-up pins the CPU wheel before installing this package.
"""
from configparser import ConfigParser
from pathlib import Path

import setuptools

config = ConfigParser(delimiters=["="])
config.read(Path(__file__).parent / "settings.ini", encoding="utf-8")
cfg = config["DEFAULT"]

licenses = {"apache2": ("Apache Software License 2.0", "OSI Approved :: Apache Software License")}
statuses = ["1 - Planning", "2 - Pre-Alpha", "3 - Alpha", "4 - Beta", "5 - Production/Stable"]
license_name, license_classifier = licenses[cfg["license"]]

setuptools.setup(
    name=cfg["lib_name"],
    version=cfg["version"],
    description=cfg["description"],
    long_description=Path("README.md").read_text(encoding="utf-8") if Path("README.md").exists() else "",
    long_description_content_type="text/markdown",
    author=cfg["author"],
    author_email=cfg["author_email"],
    license=license_name,
    url=cfg["git_url"],
    keywords=cfg["keywords"].split(),
    classifiers=[
        "Development Status :: " + statuses[int(cfg["status"]) - 1],
        "Intended Audience :: " + cfg["audience"],
        "License :: " + license_classifier,
        "Natural Language :: " + cfg["language"],
        "Programming Language :: Python :: 3",
    ],
    python_requires=">=" + cfg["min_python"],
    packages=setuptools.find_packages(include=[cfg["lib_name"], cfg["lib_name"] + ".*"]),
    include_package_data=True,
    package_data={cfg["lib_name"]: ["assets/**/*"]},
    install_requires=cfg["requirements"].split(),
    extras_require={"dev": cfg["dev_requirements"].split(),
                    # openSMILE (audEERING): free for research and education, not for commercial use
                    "opensmile": cfg.get("opensmile_requirements", "").split()},
    entry_points={
        "console_scripts": cfg["console_scripts"].split(),
        "nbdev": [f"{cfg['lib_path']}={cfg['lib_path']}._modidx:d"],
    },
    zip_safe=False,
)
