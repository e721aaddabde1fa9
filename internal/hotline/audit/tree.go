package audit

import (
	"fmt"

	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
)

var hasher = rfc6962.DefaultHasher

// tree is an in-memory RFC 6962 Merkle tree: the hashes of every perfect
// subtree (2n-1 hashes for n leaves), kept as appended through a compact
// range. Roots and proofs for any earlier size come from these nodes, so
// they cost O(log n). Not safe for concurrent use.
type tree struct {
	rf     compact.RangeFactory
	cr     *compact.Range
	levels [][]byte // levels[k] holds the 32-byte hashes of level-k nodes, in index order
}

func newTree() *tree {
	t := &tree{rf: compact.RangeFactory{Hash: hasher.HashChildren}}
	t.cr = t.rf.NewEmptyRange(0)
	return t
}

func (t *tree) size() uint64 { return t.cr.End() }

func (t *tree) append(leafHash []byte) {
	err := t.cr.Append(leafHash, func(id compact.NodeID, h []byte) {
		for uint(len(t.levels)) <= id.Level {
			t.levels = append(t.levels, nil)
		}
		t.levels[id.Level] = append(t.levels[id.Level], h...)
	})
	if err != nil {
		panic(fmt.Sprintf("audit: compact range append: %v", err)) // cannot happen for a range starting at 0
	}
}

func (t *tree) node(id compact.NodeID) ([]byte, error) {
	if id.Level >= uint(len(t.levels)) || (id.Index+1)*32 > uint64(len(t.levels[id.Level])) {
		return nil, fmt.Errorf("audit: tree node %d/%d missing", id.Level, id.Index)
	}
	return t.levels[id.Level][id.Index*32 : (id.Index+1)*32], nil
}

func (t *tree) nodes(ids []compact.NodeID) ([][]byte, error) {
	hs := make([][]byte, len(ids))
	for i, id := range ids {
		h, err := t.node(id)
		if err != nil {
			return nil, err
		}
		hs[i] = append([]byte(nil), h...) // Rehash modifies in place
	}
	return hs, nil
}

// rootAt returns the root hash of the first size leaves (RFC 6962 §2.1; the
// empty tree's root is SHA-256 of the empty string).
func (t *tree) rootAt(size uint64) ([]byte, error) {
	if size > t.size() {
		return nil, fmt.Errorf("audit: root at size %d of a tree of %d", size, t.size())
	}
	if size == 0 {
		return hasher.EmptyRoot(), nil
	}
	hs, err := t.nodes(compact.RangeNodes(0, size, nil))
	if err != nil {
		return nil, err
	}
	r, err := t.rf.NewRange(0, size, hs)
	if err != nil {
		return nil, err
	}
	return r.GetRootHash(nil)
}

// inclusion returns the RFC 9162 §2.1.3 inclusion proof of leaf index in the
// tree of the given size.
func (t *tree) inclusion(index, size uint64) ([][]byte, error) {
	if size > t.size() || index >= size {
		return nil, fmt.Errorf("audit: inclusion of %d in size %d of a tree of %d", index, size, t.size())
	}
	n, err := proof.Inclusion(index, size)
	if err != nil {
		return nil, err
	}
	hs, err := t.nodes(n.IDs)
	if err != nil {
		return nil, err
	}
	return n.Rehash(hs, hasher.HashChildren)
}

// consistency returns the RFC 9162 §2.1.4 consistency proof between sizes.
func (t *tree) consistency(size1, size2 uint64) ([][]byte, error) {
	if size2 > t.size() || size1 > size2 {
		return nil, fmt.Errorf("audit: consistency %d→%d of a tree of %d", size1, size2, t.size())
	}
	n, err := proof.Consistency(size1, size2)
	if err != nil {
		return nil, err
	}
	hs, err := t.nodes(n.IDs)
	if err != nil {
		return nil, err
	}
	return n.Rehash(hs, hasher.HashChildren)
}
