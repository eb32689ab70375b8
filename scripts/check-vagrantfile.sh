#!/bin/bash
# CI check of the Vagrantfile, offline (no box download, no hypervisor):
#  1. `vagrant validate --ignore-provider` (Debian's vagrant package) when it can be
#     installed, else `ruby -c` (syntax only);
#  2. a stub run of the Vagrantfile under plain Ruby that checks what issue 4 asks
#     for: bento/ubuntu-24.04, 2 CPUs and 2 GiB for both virtualbox and libvirt
#     (vagrant validate --ignore-provider skips the provider blocks), the repo at
#     /vagrant, provisioning by scripts/setup-host.sh.
# Installs what it needs with apt, non-interactively. Prints `N passed, N failed`.
set -uo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive VAGRANT_CHECKPOINT_DISABLE=1

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'ok installed'; }
install() {
  installed "$1" && return 0
  [ "$(id -u)" = 0 ] || return 1
  apt-get install -y -qq --no-install-recommends "$1" >/dev/null 2>&1 && return 0
  apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq --no-install-recommends "$1" >/dev/null 2>&1
}

passed=0 failed=0
check() { # NAME COMMAND...
  local name=$1 out
  shift
  if out=$("$@" 2>&1); then
    echo "ok - $name"
    passed=$((passed + 1))
  else
    echo "not ok - $name"
    printf '%s\n' "$out" | sed 's/^/    /'
    failed=$((failed + 1))
  fi
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp Vagrantfile "$tmp/"

validate() { (cd "$tmp" && VAGRANT_HOME="$tmp/home" timeout 120 vagrant validate --ignore-provider); }

if install vagrant && command -v vagrant >/dev/null; then
  check 'vagrant validate --ignore-provider' validate
elif install ruby && command -v ruby >/dev/null; then
  check 'ruby -c Vagrantfile (vagrant is not installable here)' ruby -c Vagrantfile
else
  check 'vagrant or ruby installed' false
fi

# the settings, read by running the Vagrantfile against a recorder instead of Vagrant
cat >"$tmp/stub.rb" <<'RUBY'
class Recorder
  attr_reader :settings, :providers, :synced, :provisions
  def initialize; @settings = {}; @providers = {}; @synced = []; @provisions = []; end
  def vm; self; end
  def provider(name, *) ; r = Recorder.new; yield r, self; @providers[name.to_s] = r; end
  def synced_folder(host, guest, **o); @synced << [host, guest, o]; end
  def provision(type, **o); @provisions << [type.to_s, o]; end
  def customize(*); end
  def method_missing(name, *args)
    key = name.to_s
    if key.end_with?('=') then @settings[key.chomp('=')] = args.first else Recorder.new end
  end
  def respond_to_missing?(*) = true
end
module Vagrant
  def self.configure(_version); $config = Recorder.new; yield $config; end
end
load ARGV[0]
c = $config
errors = []
errors << "box is #{c.settings['box'].inspect}, want bento/ubuntu-24.04" unless c.settings['box'] == 'bento/ubuntu-24.04'
%w[virtualbox libvirt].each do |p|
  s = c.providers[p]&.settings
  next errors << "no #{p} provider block" unless s
  errors << "#{p}: cpus #{s['cpus'].inspect}, want 2" unless s['cpus'] == 2
  errors << "#{p}: memory #{s['memory'].inspect}, want 2048" unless s['memory'] == 2048
end
errors << 'the repo is not synced at /vagrant' unless c.synced.any? { |h, g, o| h == '.' && g == '/vagrant' && !o[:disabled] }
errors << 'not provisioned by scripts/setup-host.sh' unless c.provisions.any? { |t, o| t == 'shell' && o[:inline].to_s.include?('bash /vagrant/scripts/setup-host.sh') }
abort errors.join("\n") unless errors.empty?
RUBY
if command -v ruby >/dev/null || install ruby; then
  check 'Vagrantfile settings: box, 2 CPUs and 2 GiB per provider, /vagrant, provisioning' ruby "$tmp/stub.rb" "$PWD/Vagrantfile"
else
  check 'ruby installed' false
fi

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
