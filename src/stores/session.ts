import { defineStore } from 'pinia'
import { computed, ref } from 'vue'

export interface Enrollment {
  villageId: string
  villageName: string
  townshipName: string
  deviceId: string
}

/**
 * Which village this tablet belongs to (device enrollment) and who is using it (a clerk unlocked
 * with a PIN). Set by the data module (src/modules/data.ts); identity rules live in src/data/identity.ts.
 */
export const useSessionStore = defineStore('session', () => {
  const enrollment = ref<Enrollment | null>(null)
  const personId = ref<string>('')
  const personName = ref<string>('')
  const unlocked = computed(() => personId.value !== '')

  function setEnrollment(value: Enrollment | null) {
    enrollment.value = value
  }
  function setPerson(id: string, name: string) {
    personId.value = id
    personName.value = name
  }
  function lock() {
    setPerson('', '')
  }

  return { enrollment, personId, personName, unlocked, setEnrollment, setPerson, lock }
})
