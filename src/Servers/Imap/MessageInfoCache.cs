namespace Protocols.Servers.Imap;

/// <summary>A bounded least-recently-used cache of <see cref="MessageInfo"/> by message id, shared by the sessions of one server.</summary>
internal sealed class MessageInfoCache(long capacityBytes)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, LinkedListNode<(string Id, MessageInfo Info)>> _byId = new(StringComparer.Ordinal);
    private readonly LinkedList<(string Id, MessageInfo Info)> _order = new();
    private long _bytes;

    public bool TryGet(string id, out MessageInfo info)
    {
        lock (_lock)
        {
            if (_byId.TryGetValue(id, out var node))
            {
                _order.Remove(node);
                _order.AddFirst(node);
                info = node.Value.Info;
                return true;
            }
        }
        info = null!;
        return false;
    }

    public void Add(string id, MessageInfo info)
    {
        lock (_lock)
        {
            if (_byId.ContainsKey(id)) return;
            _byId[id] = _order.AddFirst((id, info));
            _bytes += info.Weight;
            while (_bytes > capacityBytes && _order.Last is { } last)
            {
                _order.RemoveLast();
                _byId.Remove(last.Value.Id);
                _bytes -= last.Value.Info.Weight;
            }
        }
    }

    public void Remove(string id)
    {
        lock (_lock)
        {
            if (!_byId.Remove(id, out var node)) return;
            _order.Remove(node);
            _bytes -= node.Value.Info.Weight;
        }
    }
}
